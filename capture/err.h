/*
 * One family of error codes for every layer: negative errno numbers, so a
 * code means the same whichever function returned it (a sink, the dump
 * writers, the RPC client). The layers' own names (SINK_ERR_*, DUMP_ERR_*,
 * KDUMP_ERR_*, RPC_ERR_*) are these. The message for a person travels
 * separately, through errf() (capture/fmt.h) into the caller's buffer.
 */
#ifndef CAPTURE_ERR_H
#define CAPTURE_ERR_H

#define ERR_IO		(-5)	/* EIO: a device or the network failed */
#define ERR_NOMEM	(-12)	/* ENOMEM: an arena ran out */
#define ERR_ACCES	(-13)	/* EACCES: a server refused us */
#define ERR_INVAL	(-22)	/* EINVAL: input (the crashed kernel's, a reply) is unusable */
#define ERR_NOSPC	(-28)	/* ENOSPC: the target is full */
#define ERR_PROTO	(-71)	/* EPROTO: a malformed reply, or not the one we asked for */
#define ERR_UNSUPPORTED	(-95)	/* EOPNOTSUPP */
#define ERR_REMOTE	(-121)	/* EREMOTEIO: the server took the call and failed it */

#endif
