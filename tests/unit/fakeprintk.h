/*
 * The printk ring's layout as a 6.1 kernel's VMCOREINFO reports it, for the
 * unit tests that build a ring in fake memory (test_printk, test_kdump_read):
 *   struct printk_ringbuffer  88 bytes: desc_ring at 0, text_data_ring at 48
 *   struct prb_desc_ring      count_bits 0, descs 8, infos 16, head_id 24, tail_id 32
 *   struct prb_desc           24 bytes: state_var 0, text_blk_lpos {begin 8, next 16}
 *   struct printk_info        88 bytes: ts_nsec 8, text_len 16 (u16), caller_id 20
 *   struct prb_data_ring      size_bits 0, data 8
 */
#ifndef TESTS_FAKEPRINTK_H
#define TESTS_FAKEPRINTK_H

#define FP_LAYOUT \
	"SIZE(printk_ringbuffer)=88\n" \
	"OFFSET(printk_ringbuffer.desc_ring)=0\n" \
	"OFFSET(printk_ringbuffer.text_data_ring)=48\n" \
	"OFFSET(printk_ringbuffer.fail)=80\n" \
	"SIZE(prb_desc_ring)=48\n" \
	"OFFSET(prb_desc_ring.count_bits)=0\n" \
	"OFFSET(prb_desc_ring.descs)=8\n" \
	"OFFSET(prb_desc_ring.infos)=16\n" \
	"OFFSET(prb_desc_ring.head_id)=24\n" \
	"OFFSET(prb_desc_ring.tail_id)=32\n" \
	"SIZE(prb_desc)=24\n" \
	"OFFSET(prb_desc.state_var)=0\n" \
	"OFFSET(prb_desc.text_blk_lpos)=8\n" \
	"SIZE(prb_data_blk_lpos)=16\n" \
	"OFFSET(prb_data_blk_lpos.begin)=0\n" \
	"OFFSET(prb_data_blk_lpos.next)=8\n" \
	"SIZE(printk_info)=88\n" \
	"OFFSET(printk_info.seq)=0\n" \
	"OFFSET(printk_info.ts_nsec)=8\n" \
	"OFFSET(printk_info.text_len)=16\n" \
	"OFFSET(printk_info.caller_id)=20\n" \
	"OFFSET(printk_info.dev_info)=24\n" \
	"SIZE(prb_data_ring)=32\n" \
	"OFFSET(prb_data_ring.size_bits)=0\n" \
	"OFFSET(prb_data_ring.data)=8\n" \
	"OFFSET(prb_data_ring.head_lpos)=16\n" \
	"OFFSET(prb_data_ring.tail_lpos)=24\n" \
	"SIZE(atomic_long_t)=8\n" \
	"OFFSET(atomic_long_t.counter)=0\n"

#endif
