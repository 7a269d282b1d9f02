"""Deny this process (and its threads created later) new Internet sockets, with a seccomp filter (Linux only)."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import platform
import struct

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_AF_INET, _AF_INET6 = 2, 10
# machine -> (AUDIT_ARCH_*, socket syscall number)
_ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def deny_internet_sockets() -> bool:
    """Make ``socket(AF_INET|AF_INET6, ...)`` fail with EACCES in this process from now on.

    Returns ``True`` when the filter is installed, ``False`` where the platform does not allow it (not Linux,
    unknown architecture, seccomp unavailable). Existing sockets and Unix sockets keep working.
    """
    arch = _ARCHES.get(platform.machine())
    if platform.system() != "Linux" or arch is None:
        return False
    audit_arch, socket_nr = arch
    ld_w_abs, jeq_k, ret_k = 0x20, 0x15, 0x06
    program = b"".join(
        [
            _insn(ld_w_abs, 0, 0, 4),  # seccomp_data.arch
            _insn(jeq_k, 0, 5, audit_arch),
            _insn(ld_w_abs, 0, 0, 0),  # seccomp_data.nr
            _insn(jeq_k, 0, 3, socket_nr),
            _insn(ld_w_abs, 0, 0, 16),  # low half of args[0]: the address family
            _insn(jeq_k, 2, 0, _AF_INET),
            _insn(jeq_k, 1, 0, _AF_INET6),
            _insn(ret_k, 0, 0, _SECCOMP_RET_ALLOW),
            _insn(ret_k, 0, 0, _SECCOMP_RET_ERRNO | errno.EACCES),
        ]
    )
    buffer = ctypes.create_string_buffer(program)
    prog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) == 0
