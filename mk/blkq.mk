# Writes in flight (drivers/blk_queue.c): its unit test includes the driver
# code directly, so it is rebuilt when that changes.
$(BUILD)/tests/test_blk_queue: drivers/blk_queue.c drivers/blk_queue.h drivers/blk_retry.h
