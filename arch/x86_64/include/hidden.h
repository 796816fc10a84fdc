/* Every symbol in the image is local to it: no GOT, RIP-relative addressing. */
#pragma GCC visibility push(hidden)
