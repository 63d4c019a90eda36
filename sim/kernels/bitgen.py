"""A NumPy generator's uniforms in a compiled kernel from its bit generator's address (ODD §9 D-F181): a kernel
that takes a ``np.random.Generator`` as an argument pays Numba's typing of it in Python and its unboxing (the
bit generator's ``ctypes`` interface read and three ``ctypes.cast`` calls), about 7 µs a generator a call (14
for a fresh copy, whose ``ctypes`` interface is built on first use), against 25 ns for an integer. A kernel
here takes the address of the generator's ``bitgen_t`` (NumPy's C interface to every bit generator,
``numpy/random/bitgen.h``: the state and the functions that draw from it) as an integer and calls its
``next_double``, the function ``Generator.random()`` and Numba's own ``Generator.random()`` call: the same
doubles, and the generator's state moves as theirs does. The caller keeps the generator alive during the call."""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


def address(rng: np.random.Generator) -> int:
    """The address of ``rng``'s ``bitgen_t`` (its bit generator's ``ctypes.bit_generator``; the interface is built
    once a bit generator and kept)."""
    return rng.bit_generator.ctypes.bit_generator.value


@intrinsic
def next_double(typingctx, bitgen):
    """The next double in [0, 1) of the bit generator whose ``bitgen_t`` is at ``bitgen`` (an integer):
    ``bitgen->next_double(bitgen->state)``. ``bitgen_t`` is {void *state; uint64 (*next_uint64)(void *);
    uint32 (*next_uint32)(void *); double (*next_double)(void *); uint64 (*next_raw)(void *)}."""
    if not isinstance(bitgen, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        byte_pointer = ir.IntType(8).as_pointer()
        draw = ir.FunctionType(ir.DoubleType(), [byte_pointer])
        layout = ir.LiteralStructType([byte_pointer, byte_pointer, byte_pointer, draw.as_pointer(), byte_pointer])
        struct = builder.inttoptr(args[0], layout.as_pointer())
        state = builder.load(cgutils.gep_inbounds(builder, struct, 0, 0))
        function = builder.load(cgutils.gep_inbounds(builder, struct, 0, 3))
        return builder.call(function, [state])

    return types.float64(bitgen), codegen
