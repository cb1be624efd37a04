"""A model for TensorFlow Lite for Microcontrollers: its names stripped, as a C array (lesson 12)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import ParameterError
from ..files import atomic_write
from ..validation import check_positive_int

__all__ = ["strip_names", "to_c_array", "write_c_array"]


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: What a TFLite flatbuffer holds at bytes 4-7 (its file identifier).
_TFLITE_IDENTIFIER = b"TFL3"


def strip_names(tflite: bytes) -> bytes:
    """The model without its names: smaller, and computing exactly the same.

    A flatbuffer names every tensor after the Keras layers fused into it
    (``dscnn_1/block1_relu1_1/Relu;dscnn_1/block1_bn1_1/batchnorm/...``) and
    holds a signature (named inputs and outputs). The interpreter needs
    neither: it finds tensors by index. Removing them takes 4-5 KB off the
    course's 30 KB keyword spotter, which counts on a microcontroller. The
    result is byte for byte what TensorFlow's ``strip_strings`` tool makes,
    but this needs only LiteRT's copy of the schema, not TensorFlow. The
    cost: tools such as Netron show no names, and the LiteRT interpreter's
    signature runner (``get_signature_runner``) no longer works;
    ``get_input_details`` and :class:`~audiolab.predictors.TFLitePredictor`
    do.

    Parameters
    ----------
    tflite : bytes
        A TFLite flatbuffer (what :func:`~audiolab.deploy.to_tflite` returns).

    Returns
    -------
    bytes
        The same model with no tensor names, subgraph names, description or
        signatures.

    Raises
    ------
    ParameterError
        If ``tflite`` is not a TFLite flatbuffer, or keeps its weights after
        it (models over 2 GB).

    Examples
    --------
    >>> small = strip_names(flat)  # doctest: +SKIP
    >>> len(small) < len(flat)  # doctest: +SKIP
    True

    Taught in lesson 12 (deployment with TFLite: microcontrollers).
    """
    if not isinstance(tflite, (bytes, bytearray)) or bytes(tflite[4:8]) != _TFLITE_IDENTIFIER:
        raise ParameterError("tflite must be a TFLite flatbuffer (bytes 4-7 are 'TFL3')")
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema  # LiteRT's copy: no TensorFlow needed

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAs(bytearray(tflite), 0))
    if any(buffer.offset for buffer in model.buffers or []):
        raise ParameterError("tflite keeps its weights after the flatbuffer (a model over 2 GB): "
                             "not supported")
    model.description = None
    model.signatureDefs = None
    for subgraph in model.subgraphs or []:
        subgraph.name = None
        for tensor in subgraph.tensors or []:
            tensor.name = None
    builder = flatbuffers.Builder(len(tflite))
    builder.Finish(model.Pack(builder), file_identifier=_TFLITE_IDENTIFIER)
    return bytes(builder.Output())


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
