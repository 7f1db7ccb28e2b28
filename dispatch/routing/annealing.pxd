# C types for the compiled build of annealing.py (see setup.py); the .py file runs as it is
# where nothing was compiled.

cdef class Annealing:
    cdef public double t0, t1, folds, soft_folds, temperature
    cdef public object rng

    cpdef soften(self)
    cpdef harden(self)
    cpdef cool(self, double done)
    cpdef bint accepts(self, object cost, object current)
