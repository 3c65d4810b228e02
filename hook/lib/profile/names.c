#include "config.h"
#include "names.h"
#include "util.h"

#include <ctype.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <string.h>
#include <strings.h>

#ifndef AUDIT_ARCH_LOONGARCH64
#define AUDIT_ARCH_LOONGARCH64 (EM_LOONGARCH | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE)
#endif
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

/* The one table of actions: the name profiles write (the first row of a kind is the canonical one
 * OCI configs get), the short name the disassembly prints, and the SECCOMP_RET_* action bits. */
static const struct action_info {
	const char *name, *short_name;
	sh_action_kind kind;
	uint32_t ret;
	bool data; /* the low 16 bits carry an errno (ERRNO) or a tracer's value (TRACE) */
} actions[] = {
	{ "SCMP_ACT_KILL", "KILL_THREAD", SH_ACT_KILL_THREAD, SECCOMP_RET_KILL_THREAD, false },
	{ "SCMP_ACT_KILL_THREAD", "KILL_THREAD", SH_ACT_KILL_THREAD, SECCOMP_RET_KILL_THREAD, false },
	{ "SCMP_ACT_KILL_PROCESS", "KILL_PROCESS", SH_ACT_KILL_PROCESS, SECCOMP_RET_KILL_PROCESS, false },
	{ "SCMP_ACT_TRAP", "TRAP", SH_ACT_TRAP, SECCOMP_RET_TRAP, false },
	{ "SCMP_ACT_ERRNO", "ERRNO", SH_ACT_ERRNO, SECCOMP_RET_ERRNO, true },
	{ "SCMP_ACT_TRACE", "TRACE", SH_ACT_TRACE, SECCOMP_RET_TRACE, true },
	{ "SCMP_ACT_ALLOW", "ALLOW", SH_ACT_ALLOW, SECCOMP_RET_ALLOW, false },
	{ "SCMP_ACT_LOG", "LOG", SH_ACT_LOG, SECCOMP_RET_LOG, false },
	{ "SCMP_ACT_NOTIFY", "NOTIFY", SH_ACT_NOTIFY, SECCOMP_RET_USER_NOTIF, false },
};

static const struct action_info *action_by_kind(sh_action_kind a)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(actions); i++)
		if (actions[i].kind == a)
			return &actions[i];
	return NULL;
}

static const struct action_info *action_by_ret(uint32_t ret)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(actions); i++)
		if ((ret & SECCOMP_RET_ACTION_FULL) == actions[i].ret)
			return &actions[i];
	return NULL;
}

int sh_action_from_name(const char *s, sh_action_kind *out)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(actions); i++)
		if (strcmp(s, actions[i].name) == 0) {
			*out = actions[i].kind;
			return 0;
		}
	return -1;
}

const char *sh_action_name(sh_action_kind a)
{
	const struct action_info *ai = action_by_kind(a);
	return ai ? ai->name : "?";
}

uint32_t sh_action_ret(sh_action_kind a, uint32_t errno_ret)
{
	const struct action_info *ai = action_by_kind(a);
	uint32_t r = ai ? ai->ret : SECCOMP_RET_KILL_PROCESS;
	return ai && ai->data ? r | (errno_ret & SECCOMP_RET_DATA) : r;
}

const char *sh_ret_name(uint32_t ret, char *buf, size_t len)
{
	const struct action_info *ai = action_by_ret(ret);
	if (!ai)
		snprintf(buf, len, "unknown(%#x)", ret);
	else if (ai->data)
		snprintf(buf, len, "%s(%u)", ai->name, ret & SECCOMP_RET_DATA);
	else
		snprintf(buf, len, "%s", ai->name);
	return buf;
}

const char *sh_ret_short_name(uint32_t ret)
{
	const struct action_info *ai = action_by_ret(ret);
	return ai ? ai->short_name : "?";
}

/* Indexed by sh_op. */
static const char *const op_names[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

int sh_op_from_name(const char *s, sh_op *out)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(op_names); i++)
		if (strcmp(s, op_names[i]) == 0) {
			*out = (sh_op)i;
			return 0;
		}
	return -1;
}

const char *sh_op_name(sh_op op)
{
	return (size_t)op < SH_ARRAY_SIZE(op_names) ? op_names[op] : "?";
}

/* Every spelling users write: the OCI/Docker SCMP_ARCH_* name, libseccomp's own name, and the
 * Go-style name moby's includes/excludes use (libseccomp-golang's ScmpArch.String()). */
static const struct arch_name {
	uint32_t token;
	const char *scmp, *lib, *go;
} arch_names[] = {
	{ SCMP_ARCH_X86, "SCMP_ARCH_X86", "x86", "x86" },
	{ SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64", "x86_64", "amd64" },
	{ SCMP_ARCH_X32, "SCMP_ARCH_X32", "x32", "x32" },
	{ SCMP_ARCH_ARM, "SCMP_ARCH_ARM", "arm", "arm" },
	{ SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64", "aarch64", "arm64" },
	{ SCMP_ARCH_MIPS, "SCMP_ARCH_MIPS", "mips", "mips" },
	{ SCMP_ARCH_MIPS64, "SCMP_ARCH_MIPS64", "mips64", "mips64" },
	{ SCMP_ARCH_MIPS64N32, "SCMP_ARCH_MIPS64N32", "mips64n32", "mips64n32" },
	{ SCMP_ARCH_MIPSEL, "SCMP_ARCH_MIPSEL", "mipsel", "mipsel" },
	{ SCMP_ARCH_MIPSEL64, "SCMP_ARCH_MIPSEL64", "mipsel64", "mipsel64" },
	{ SCMP_ARCH_MIPSEL64N32, "SCMP_ARCH_MIPSEL64N32", "mipsel64n32", "mipsel64n32" },
	{ SCMP_ARCH_PPC, "SCMP_ARCH_PPC", "ppc", "ppc" },
	{ SCMP_ARCH_PPC64, "SCMP_ARCH_PPC64", "ppc64", "ppc64" },
	{ SCMP_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE", "ppc64le", "ppc64le" },
	{ SCMP_ARCH_S390, "SCMP_ARCH_S390", "s390", "s390" },
	{ SCMP_ARCH_S390X, "SCMP_ARCH_S390X", "s390x", "s390x" },
	{ SCMP_ARCH_PARISC, "SCMP_ARCH_PARISC", "parisc", "parisc" },
	{ SCMP_ARCH_PARISC64, "SCMP_ARCH_PARISC64", "parisc64", "parisc64" },
	{ SCMP_ARCH_RISCV64, "SCMP_ARCH_RISCV64", "riscv64", "riscv64" },
	/* Newer than libseccomp 2.5: named in Docker's archMap, never native here. */
	{ AUDIT_ARCH_LOONGARCH64, "SCMP_ARCH_LOONGARCH64", "loongarch64", "loong64" },
};

static const struct arch_name *arch_lookup(const char *s)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(arch_names); i++) {
		const struct arch_name *a = &arch_names[i];
		if (strcmp(s, a->scmp) == 0 || strcmp(s, a->lib) == 0 || strcmp(s, a->go) == 0)
			return a;
	}
	/* Extra spellings seen in the wild. */
	if (strcmp(s, "386") == 0 || strcmp(s, "i386") == 0 || strcmp(s, "i686") == 0)
		return &arch_names[0];
	return NULL;
}

static const struct arch_name *arch_by_token(uint32_t token)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(arch_names); i++)
		if (arch_names[i].token == token)
			return &arch_names[i];
	return NULL;
}

uint32_t sh_arch_from_name(const char *s)
{
	const struct arch_name *a = arch_lookup(s);
	return a ? a->token : 0;
}

bool sh_arch_name_known(const char *s)
{
	return arch_lookup(s) != NULL;
}

const char *sh_arch_scmp_name(uint32_t token)
{
	const struct arch_name *a = arch_by_token(token);
	return a ? a->scmp : "SCMP_ARCH_UNKNOWN";
}

const char *sh_arch_lib_name(uint32_t token)
{
	const struct arch_name *a = arch_by_token(token);
	return a ? a->lib : "unknown";
}

const char *sh_arch_go_name(uint32_t token)
{
	const struct arch_name *a = arch_by_token(token);
	return a ? a->go : "unknown";
}

uint32_t sh_arch_native(void)
{
	return seccomp_arch_native();
}

/* The tables that do not start at 0 or that are more than one (libseccomp's src/arch-*.c: x32's
 * munge adds X32_SYSCALL_BIT, MIPS's __SCMP_NR_BASE, ARM's __SCMP_ARM_NR_BASE; the kernel keeps
 * 1000 numbers per MIPS ABI and 0x800 private ARM numbers). Every other arch: 0..1023, above
 * every number any of them has (the highest is 471 in libseccomp 2.6). */
static const struct nr_table {
	uint32_t arch;
	sh_nr_range r[SH_NR_RANGES_MAX];
} nr_tables[] = {
	{ SCMP_ARCH_X32, { { 0x40000000, 1024 } } },
	{ SCMP_ARCH_ARM, { { 0, 1024 }, { 0x0f0000, 0x800 } } },
	{ SCMP_ARCH_MIPS, { { 4000, 1000 } } },
	{ SCMP_ARCH_MIPSEL, { { 4000, 1000 } } },
	{ SCMP_ARCH_MIPS64, { { 5000, 1000 } } },
	{ SCMP_ARCH_MIPSEL64, { { 5000, 1000 } } },
	{ SCMP_ARCH_MIPS64N32, { { 6000, 1000 } } },
	{ SCMP_ARCH_MIPSEL64N32, { { 6000, 1000 } } },
};

size_t sh_arch_nr_ranges(uint32_t arch, sh_nr_range out[SH_NR_RANGES_MAX])
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(nr_tables); i++)
		if (nr_tables[i].arch == arch) {
			size_t n = 0;
			for (; n < SH_NR_RANGES_MAX && nr_tables[i].r[n].count; n++)
				out[n] = nr_tables[i].r[n];
			return n;
		}
	out[0] = (sh_nr_range){ 0, 1024 };
	return 1;
}

size_t sh_arch_nr_count(uint32_t arch)
{
	sh_nr_range r[SH_NR_RANGES_MAX];
	size_t total = 0;
	for (size_t i = 0, n = sh_arch_nr_ranges(arch, r); i < n; i++)
		total += r[i].count;
	return total;
}

int sh_arch_nr_at(uint32_t arch, size_t i)
{
	sh_nr_range r[SH_NR_RANGES_MAX];
	size_t n = sh_arch_nr_ranges(arch, r);
	for (size_t k = 0; k < n; k++) {
		if (i < r[k].count)
			return (int)(r[k].first + i);
		i -= r[k].count;
	}
	return -1;
}

long sh_arch_nr_slot(uint32_t arch, int nr)
{
	sh_arch_slots s;
	sh_arch_slots_init(&s, arch);
	return sh_arch_slots_of(&s, nr);
}

void sh_arch_slots_init(sh_arch_slots *s, uint32_t arch)
{
	*s = (sh_arch_slots){ .arch = arch };
	s->n = sh_arch_nr_ranges(arch, s->r);
	for (size_t k = 0; k < s->n; k++)
		s->count += s->r[k].count;
}

size_t sh_arch_callers(const uint32_t *arches, size_t n, uint32_t *out)
{
	bool x86_64 = false, x32 = false;
	for (size_t i = 0; i < n; i++) {
		out[i] = arches[i];
		x86_64 |= arches[i] == SCMP_ARCH_X86_64;
		x32 |= arches[i] == SCMP_ARCH_X32;
	}
	if (x86_64 && !x32)
		out[n++] = SCMP_ARCH_X32;
	return n;
}

static const struct flag_name {
	const char *name;
	uint32_t bit;
} flag_names[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SH_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SH_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SH_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SH_FLAG_WAIT_KILLABLE_RECV },
};

int sh_flag_from_name(const char *s, uint32_t *bit)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(flag_names); i++)
		if (strcmp(s, flag_names[i].name) == 0) {
			*bit = flag_names[i].bit;
			return 0;
		}
	return -1;
}

const char *sh_flag_name(uint32_t bit)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(flag_names); i++)
		if (flag_names[i].bit == bit)
			return flag_names[i].name;
	return NULL;
}

/* Linux errno names (generic table; aliases follow their canonical name). */
static const struct errno_name {
	const char *name;
	int value;
} errno_names[] = {
	{ "EPERM", 1 },
	{ "ENOENT", 2 },
	{ "ESRCH", 3 },
	{ "EINTR", 4 },
	{ "EIO", 5 },
	{ "ENXIO", 6 },
	{ "E2BIG", 7 },
	{ "ENOEXEC", 8 },
	{ "EBADF", 9 },
	{ "ECHILD", 10 },
	{ "EAGAIN", 11 },
	{ "EWOULDBLOCK", 11 },
	{ "ENOMEM", 12 },
	{ "EACCES", 13 },
	{ "EFAULT", 14 },
	{ "ENOTBLK", 15 },
	{ "EBUSY", 16 },
	{ "EEXIST", 17 },
	{ "EXDEV", 18 },
	{ "ENODEV", 19 },
	{ "ENOTDIR", 20 },
	{ "EISDIR", 21 },
	{ "EINVAL", 22 },
	{ "ENFILE", 23 },
	{ "EMFILE", 24 },
	{ "ENOTTY", 25 },
	{ "ETXTBSY", 26 },
	{ "EFBIG", 27 },
	{ "ENOSPC", 28 },
	{ "ESPIPE", 29 },
	{ "EROFS", 30 },
	{ "EMLINK", 31 },
	{ "EPIPE", 32 },
	{ "EDOM", 33 },
	{ "ERANGE", 34 },
	{ "EDEADLOCK", 35 },
	{ "EDEADLK", 35 },
	{ "ENAMETOOLONG", 36 },
	{ "ENOLCK", 37 },
	{ "ENOSYS", 38 },
	{ "ENOTEMPTY", 39 },
	{ "ELOOP", 40 },
	{ "ENOMSG", 42 },
	{ "EIDRM", 43 },
	{ "ECHRNG", 44 },
	{ "EL2NSYNC", 45 },
	{ "EL3HLT", 46 },
	{ "EL3RST", 47 },
	{ "ELNRNG", 48 },
	{ "EUNATCH", 49 },
	{ "ENOCSI", 50 },
	{ "EL2HLT", 51 },
	{ "EBADE", 52 },
	{ "EBADR", 53 },
	{ "EXFULL", 54 },
	{ "ENOANO", 55 },
	{ "EBADRQC", 56 },
	{ "EBADSLT", 57 },
	{ "EBFONT", 59 },
	{ "ENOSTR", 60 },
	{ "ENODATA", 61 },
	{ "ETIME", 62 },
	{ "ENOSR", 63 },
	{ "ENONET", 64 },
	{ "ENOPKG", 65 },
	{ "EREMOTE", 66 },
	{ "ENOLINK", 67 },
	{ "EADV", 68 },
	{ "ESRMNT", 69 },
	{ "ECOMM", 70 },
	{ "EPROTO", 71 },
	{ "EMULTIHOP", 72 },
	{ "EDOTDOT", 73 },
	{ "EBADMSG", 74 },
	{ "EOVERFLOW", 75 },
	{ "ENOTUNIQ", 76 },
	{ "EBADFD", 77 },
	{ "EREMCHG", 78 },
	{ "ELIBACC", 79 },
	{ "ELIBBAD", 80 },
	{ "ELIBSCN", 81 },
	{ "ELIBMAX", 82 },
	{ "ELIBEXEC", 83 },
	{ "EILSEQ", 84 },
	{ "ERESTART", 85 },
	{ "ESTRPIPE", 86 },
	{ "EUSERS", 87 },
	{ "ENOTSOCK", 88 },
	{ "EDESTADDRREQ", 89 },
	{ "EMSGSIZE", 90 },
	{ "EPROTOTYPE", 91 },
	{ "ENOPROTOOPT", 92 },
	{ "EPROTONOSUPPORT", 93 },
	{ "ESOCKTNOSUPPORT", 94 },
	{ "ENOTSUP", 95 },
	{ "EOPNOTSUPP", 95 },
	{ "EPFNOSUPPORT", 96 },
	{ "EAFNOSUPPORT", 97 },
	{ "EADDRINUSE", 98 },
	{ "EADDRNOTAVAIL", 99 },
	{ "ENETDOWN", 100 },
	{ "ENETUNREACH", 101 },
	{ "ENETRESET", 102 },
	{ "ECONNABORTED", 103 },
	{ "ECONNRESET", 104 },
	{ "ENOBUFS", 105 },
	{ "EISCONN", 106 },
	{ "ENOTCONN", 107 },
	{ "ESHUTDOWN", 108 },
	{ "ETOOMANYREFS", 109 },
	{ "ETIMEDOUT", 110 },
	{ "ECONNREFUSED", 111 },
	{ "EHOSTDOWN", 112 },
	{ "EHOSTUNREACH", 113 },
	{ "EALREADY", 114 },
	{ "EINPROGRESS", 115 },
	{ "ESTALE", 116 },
	{ "EUCLEAN", 117 },
	{ "ENOTNAM", 118 },
	{ "ENAVAIL", 119 },
	{ "EISNAM", 120 },
	{ "EREMOTEIO", 121 },
	{ "EDQUOT", 122 },
	{ "ENOMEDIUM", 123 },
	{ "EMEDIUMTYPE", 124 },
	{ "ECANCELED", 125 },
	{ "ENOKEY", 126 },
	{ "EKEYEXPIRED", 127 },
	{ "EKEYREVOKED", 128 },
	{ "EKEYREJECTED", 129 },
	{ "EOWNERDEAD", 130 },
	{ "ENOTRECOVERABLE", 131 },
	{ "ERFKILL", 132 },
};

int sh_errno_from_name(const char *s)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(errno_names); i++)
		if (strcmp(s, errno_names[i].name) == 0)
			return errno_names[i].value;
	return -1;
}

const char *sh_errno_name(int e)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].value == e)
			return errno_names[i].name;
	return NULL;
}

/* Indexed by capability number (linux/capability.h). */
static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int sh_cap_from_name(const char *s)
{
	const char *bare = strncasecmp(s, "CAP_", 4) == 0 ? s + 4 : s;
	for (size_t i = 0; i < SH_ARRAY_SIZE(cap_names); i++)
		if (strcasecmp(bare, cap_names[i] + 4) == 0)
			return (int)i;
	return -1;
}

/* As runc and moby read a capability in a config or a profile: "CAP_" and the name in capitals,
 * exactly; "sys_admin" or "cap_sys_admin" is no capability to them. */
int sh_cap_from_oci_name(const char *s)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(cap_names); i++)
		if (strcmp(s, cap_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *sh_cap_name(int cap)
{
	return cap >= 0 && (size_t)cap < SH_ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

/* The i-th spelling of each kind, NULL past the last: the candidates of a nearest-name suggestion. */
const char *sh_action_nth_name(size_t i)
{
	return i < SH_ARRAY_SIZE(actions) ? actions[i].name : NULL;
}

const char *sh_op_nth_name(size_t i)
{
	return i < SH_ARRAY_SIZE(op_names) ? op_names[i] : NULL;
}

const char *sh_errno_nth_name(size_t i)
{
	return i < SH_ARRAY_SIZE(errno_names) ? errno_names[i].name : NULL;
}

/* Each architecture's three spellings in turn (the same name twice is no tie to the matcher). */
const char *sh_arch_nth_name(size_t i)
{
	if (i / 3 >= SH_ARRAY_SIZE(arch_names))
		return NULL;
	const struct arch_name *a = &arch_names[i / 3];
	return i % 3 == 0 ? a->scmp : i % 3 == 1 ? a->lib : a->go;
}

const char *sh_cap_nth_name(size_t i)
{
	return i < SH_ARRAY_SIZE(cap_names) ? cap_names[i] : NULL;
}

size_t sh_arch_family(uint32_t native, uint32_t out[4])
{
	static const uint32_t families[][3] = {
		{ SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 },
		{ SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, 0 },
		{ SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPS },
		{ SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS },
		{ SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_MIPSEL },
		{ SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL },
		{ SCMP_ARCH_S390X, SCMP_ARCH_S390, 0 },
	};
	out[0] = native;
	for (size_t i = 0; i < sizeof families / sizeof *families; i++)
		if (families[i][0] == native) {
			size_t n = 1;
			for (size_t k = 1; k < 3 && families[i][k]; k++)
				out[n++] = families[i][k];
			return n;
		}
	return 1;
}
