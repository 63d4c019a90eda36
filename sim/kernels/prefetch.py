"""A software prefetch of one array element inside a compiled kernel (ODD §9 D-F250): LLVM's ``llvm.prefetch``
(a read, kept in every cache level), which asks the processor to bring the element's cache line in and returns
at once. It changes no number: it reads nothing into the program, cannot fault (an address past the array is
dropped by the processor) and only moves a line the kernel will read soon into the cache before it does.

Why: the slot kernels read the person arrays (civic resources, efficacy, last participation, ...) through each
slot's holder. A sector's slots are sorted by unit, but within a unit the holders come in no order (need churn
moves a need to any adult of the unit), so each unit's first reads of a line of a person array miss the core's
caches; a slot's loop body is a few hundred instructions, so the processor's reorder window holds only one or
two slots and cannot overlap those misses as a short gather loop does. Asking for the holder's lines a few slots
ahead overlaps them with the slots in between."""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

#: How many slots ahead a slot loop asks for a holder's person-array lines: far enough for a line to arrive from
#: the shared cache while the slots in between are worked, near enough to stay in the core's (measured: 16-32).
PREFETCH_AHEAD = 16


@intrinsic
def prefetch(typingctx, array, index):
    """Prefetch ``array[index]`` (a one-dimensional array, an integer index; no bounds check: a prefetch of an
    address outside the array is harmless, and nothing is read into the program)."""
    if not isinstance(array, types.Array) or array.ndim != 1 or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        byte_pointer = ir.IntType(8).as_pointer()
        word = ir.IntType(32)
        hint = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, word, word, word]), "llvm.prefetch.p0")
        # read (0), keep in every level (3), data cache (1)
        builder.call(hint, [builder.bitcast(builder.gep(data, [args[1]]), byte_pointer), word(0), word(3), word(1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen
