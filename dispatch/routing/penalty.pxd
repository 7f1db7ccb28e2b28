# C types for the compiled build of penalty.py (see setup.py); the .py file runs as it is
# where nothing was compiled.
from .fastdata cimport Data

cdef class Penalty:
    cdef public Data d
    cdef public object w_count, w_prio, soft, soft_after
    cdef public list strict, used
    cdef public bint softened

    cpdef tuple costs(self, object travel, set out)
    cpdef bint leaves_out(self, object cost)
    cpdef bint due(self, double done, object best)
    cpdef list mild(self, double arc)
    cpdef soften(self, double arc)
    cpdef harden(self)
    cpdef bint is_mild(self)
