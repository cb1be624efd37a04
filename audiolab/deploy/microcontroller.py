"""The model as a C array for TensorFlow Lite for Microcontrollers (lesson 12)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import ParameterError
from ..files import atomic_write
from ..validation import check_positive_int

__all__ = ["to_c_array", "write_c_array"]


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def to_c_array(tflite: bytes, name: str = "g_model", *, alignment: int = 16,
               per_line: int = 12) -> tuple[str, str]:
    """The model as C source and header, the way TensorFlow Lite for Microcontrollers embeds it.

    Parameters
    ----------
    tflite : bytes
        The flatbuffer.
    name : str
        A C identifier: the array is ``name`` and its length ``name_len``.
    alignment : int
        Byte alignment of the array (TFLM needs at least 4; 16 is safe for
        SIMD kernels).
    per_line : int
        Bytes per line.

    Returns
    -------
    source, header : str
        ``name.cc``: ``#include "name.h"``, then
        ``alignas(16) const unsigned char name[] = { 0x1c, 0x00, ... };`` and
        ``const unsigned int name_len = N;``. ``name.h``: an include guard and
        the two ``extern`` declarations.

    Raises
    ------
    ParameterError
        If ``name`` is not a C identifier or ``tflite`` is empty.

    Examples
    --------
    >>> source, header = to_c_array(b"\\x1c\\x00\\x00\\x00TFL3", "g_model")
    >>> print(source.splitlines()[3])
      0x1c, 0x00, 0x00, 0x00, 0x54, 0x46, 0x4c, 0x33
    >>> print(source.splitlines()[-1])
    const unsigned int g_model_len = 8;

    Taught in lesson 12 (deployment with TFLite: microcontrollers).
    """
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ParameterError(f"name must be a C identifier (letters, digits, _), got {name!r}")
    if not isinstance(tflite, (bytes, bytearray)) or len(tflite) == 0:
        raise ParameterError("tflite must be non-empty bytes")
    alignment = check_positive_int("alignment", alignment)
    per_line = check_positive_int("per_line", per_line)
    data = bytes(tflite)
    lines = []
    for i in range(0, len(data), per_line):
        chunk = ", ".join(f"0x{b:02x}" for b in data[i : i + per_line])
        lines.append(f"  {chunk}" + ("," if i + per_line < len(data) else ""))
    guard = f"{name.upper()}_H_"
    header = (
        f"// {name}: a TensorFlow Lite model ({len(data)} bytes), made by audiolab.deploy.\n"
        f"#ifndef {guard}\n#define {guard}\n\n"
        f"extern const unsigned char {name}[];\n"
        f"extern const unsigned int {name}_len;\n\n"
        f"#endif  // {guard}\n"
    )
    source = "\n".join([
        f'#include "{name}.h"',
        "",
        f"alignas({alignment}) const unsigned char {name}[] = {{",
        *lines,
        "};",
        f"const unsigned int {name}_len = {len(data)};",
    ]) + "\n"
    return source, header


def write_c_array(tflite: bytes, name: str, folder: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``name.cc`` and ``name.h`` (see :func:`to_c_array`) into ``folder``, atomically."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(f"folder {folder} does not exist")
    source, header = to_c_array(tflite, name)
    paths = (folder / f"{name}.cc", folder / f"{name}.h")
    for file, text in zip(paths, (source, header), strict=True):
        with atomic_write(file) as temporary:
            temporary.write_bytes(text.encode("ascii"))
    return paths
