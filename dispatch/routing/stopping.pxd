# C types for the compiled build of stopping.py (see setup.py); the .py file runs as it is
# where nothing was compiled.

cdef class Stopping:
    cdef public double start, span, final, end
    cdef public object max_iter, iterations, cycle, best_at, cycle_start, reason
    cdef public bint converges, restarted

    cpdef bint out_of_time(self, double now)
    cpdef double done(self, double now)
    cpdef improved(self)
    cpdef bint moved(self)
