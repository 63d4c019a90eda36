"""A slot's preferred design x_i in two bytes a dimension (ODD §2.1, §9 D-F211).

Preferred designs are points of [0, 1]^D (ODD §9 D-Q1). ``ServiceUsers.xq`` keeps each coordinate as a uint16
fixed-point code, q = round(x * ``SCALE``) with ``SCALE`` = 65535, so that 0 and 1 (where the clip to [0, 1] puts
every preference beyond the design space's edge) are codes 0 and 65535. A code is read as the float32
q / 65535: float32(q) (exact, q < 2^24) divided by float32(65535) in float32, which IEEE arithmetic rounds
correctly, so 0 and 1 read back exactly and any other code reads as the float32 nearest to q / 65535, the same
number in NumPy (``decode``) and in a kernel (``decoded``, which gets it by a float64 multiply rounded to
float32: the same number for every code, and cheaper than a division). A step of the grid is 1 / 65535 = 1.5e-5
of the design space's unit; a stored preference is within half a step of the value written (7.6e-6), and its
float32 reading within half a float32 ulp (at most 3e-8) more.

One definition for every reader and writer: NumPy's ``encode`` / ``decode`` / ``column_means`` for whole arrays,
and ``decoded`` / ``encoded`` for one coordinate inside a compiled kernel (inlined; ``decoded`` refuses anything
but a uint16 code when the kernel compiles, so a float array passed where codes belong fails loudly rather than
read as codes).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload

#: The code of 1.0: codes run 0 ... SCALE, one step 1 / SCALE of the design space's unit.
SCALE = 65535
#: The codes' type.
CODE = np.uint16
#: 1 / 65535 in float64: float32(float64(q) * INVERSE) is the float32 nearest q / 65535, for every code q the same
#: number as the correctly rounded float32 division (the product is within 2^-52 of q / 65535, which is never that
#: close to a midpoint between float32 numbers), so the kernels multiply where ``decode`` divides.
INVERSE = 1.0 / SCALE


def encode(values, out: np.ndarray | None = None) -> np.ndarray:
    """The codes of preferred designs ``values`` (any float array, clipped to [0, 1]): round(x * 65535), the
    product in float64 (exact for a float32 x: 24 + 16 bits) rounded half to even (``np.rint``), as uint16;
    written into ``out`` where given."""
    scaled = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0) * float(SCALE)
    if out is None:
        return np.rint(scaled).astype(CODE)
    np.rint(scaled, out=scaled)
    out[...] = scaled
    return out


def decode(codes: np.ndarray) -> np.ndarray:
    """The preferred designs of ``codes`` (uint16) as float32, a new array: float32(q) / float32(65535), the
    float32 nearest q / 65535 (exactly 0 and 1 at the ends). Anything but uint16 codes is refused (a float array
    of designs would otherwise be cast to codes)."""
    codes = np.asarray(codes)
    if codes.dtype != CODE:
        raise TypeError(f"preference codes are uint16 (ODD §9 D-F211), not {codes.dtype}")
    return codes.astype(np.float32) / np.float32(SCALE)


def column_means(codes: np.ndarray) -> np.ndarray:
    """The mean preferred design per dimension (shape (D,), float64) of ``codes`` (slots, D): each column's codes
    summed exactly as int64, divided by the count and by 65535 in float64 (no decoded copy of the array)."""
    count = codes.shape[0]
    return np.array([np.add.reduce(codes[:, k], dtype=np.int64) / count / SCALE for k in range(codes.shape[1])])


def decoded(code):
    """One coordinate's preferred design as the float32 ``decode`` gives (Python; compiled: the overload below)."""
    return np.float32(code) / np.float32(SCALE)


def encoded(value):
    """The code of one coordinate ``value`` in [0, 1] (already clipped; a float32 or a float64), as ``encode``."""
    return CODE(np.rint(np.float64(value) * float(SCALE)))


@overload(decoded, inline="always")
def decoded_compiled(code):
    if code != types.uint16:
        raise TypingError(f"a preference code is a uint16 (ODD §9 D-F211), not {code}")

    def read(code):  # ``decode``'s number for every code (tested on all 65,536), a multiply for a division
        return np.float32(np.float64(code) * INVERSE)
    return read


@overload(encoded, inline="always")
def encoded_compiled(value):
    if not isinstance(value, types.Float):
        raise TypingError(f"a preference to encode is a float, not {value}")

    def write(value):
        return np.uint16(np.rint(np.float64(value) * 65535.0))
    return write
