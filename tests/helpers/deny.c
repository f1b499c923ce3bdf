/* SPDX-License-Identifier: ISC */
/*
 * deny: run a command under a seccomp filter that refuses what a hardened
 * or older kernel refuses, for zcsend's tests of its "unavailable" paths.
 * It needs no privilege and changes nothing outside the command it runs.
 *
 *	deny [-uz] command [arg ...]
 *
 *	-u	io_uring_setup(2) fails with EPERM, as with
 *		kernel.io_uring_disabled=2 or a container's seccomp policy
 *	-z	setsockopt(SOL_SOCKET, SO_ZEROCOPY) fails with ENOPROTOOPT, as
 *		on a kernel before 4.14
 *
 * Exit status: the command's, or 2 on a usage error, 1 if the filter
 * cannot be installed or the command cannot be run.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
#define DENY_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define DENY_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define DENY_ARCH	AUDIT_ARCH_I386
#elif defined(__riscv) && __riscv_xlen == 64
#define DENY_ARCH	AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DENY_ARCH	AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define DENY_ARCH	AUDIT_ARCH_S390X
#endif

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY	60
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup	425	/* the same on every architecture */
#endif

/* The low 32 bits of system call argument n. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(n)	(offsetof(struct seccomp_data, args[n]))
#else
#define ARG_LO(n)	(offsetof(struct seccomp_data, args[n]) + 4)
#endif

#define LD(off)		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define RET(v)		BPF_STMT(BPF_RET | BPF_K, (v))

int
main(int argc, char **argv)
{
#ifdef DENY_ARCH
	struct sock_filter	 prog[32];
	struct sock_fprog	 fprog;
	unsigned short		 n = 0;
	int			 ch, uring = 0, zerocopy = 0;

	while ((ch = getopt(argc, argv, "+uz")) != -1) {
		switch (ch) {
		case 'u':
			uring = 1;
			break;
		case 'z':
			zerocopy = 1;
			break;
		default:
			fprintf(stderr, "usage: deny [-uz] command [arg ...]\n");
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: deny [-uz] command [arg ...]\n");
		return 2;
	}
	prog[n++] = (struct sock_filter)LD(offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)JEQ(DENY_ARCH, 1, 0);
	prog[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	prog[n++] = (struct sock_filter)LD(offsetof(struct seccomp_data, nr));
	if (uring) {
		prog[n++] = (struct sock_filter)JEQ(__NR_io_uring_setup, 0, 1);
		prog[n++] = (struct sock_filter)RET(SECCOMP_RET_ERRNO | EPERM);
	}
	if (zerocopy) {
		/* setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, ...) */
		prog[n++] = (struct sock_filter)JEQ(__NR_setsockopt, 0, 4);
		prog[n++] = (struct sock_filter)LD(ARG_LO(1));
		prog[n++] = (struct sock_filter)JEQ(SOL_SOCKET, 0, 2);
		prog[n++] = (struct sock_filter)LD(ARG_LO(2));
		prog[n++] = (struct sock_filter)JEQ(SO_ZEROCOPY, 1, 0);
	}
	prog[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	if (zerocopy)
		prog[n++] = (struct sock_filter)RET(SECCOMP_RET_ERRNO |
		    ENOPROTOOPT);
	fprog.len = n;
	fprog.filter = prog;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) == -1) {
		fprintf(stderr, "deny: seccomp: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "deny: %s: %s\n", argv[optind], strerror(errno));
	return 1;
#else
	(void)argc;
	(void)argv;
	fprintf(stderr, "deny: no seccomp architecture known for this "
	    "machine\n");
	return 1;
#endif
}
