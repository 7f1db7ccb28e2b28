# C types for the compiled build of lns.py (see setup.py); the .py file runs as it is where
# nothing was compiled. An attribute the search gains must be declared here too.
cimport cython
from .annealing cimport Annealing
from .fastdata cimport Data, unpack
from .fastroute cimport Route
from .penalty cimport Penalty
from .stopping cimport Stopping

cdef class Search:
    cdef public object p, rng, avg_removed, max_string, t_scale, out_seed, near_out
    cdef public object eject_seed, iterations, cool, stop_reason, found_at, rules
    cdef public list dependent, base_wins
    cdef public Data d
    cdef public Penalty penalty
    cdef public list allowed, routes, _servable, _ties, _by_priority
    cdef public dict pin_rank, route_of, _near, _soft_of
    cdef public long long[::1] failed
    cdef public Py_ssize_t nveh
    cdef public set out
    cdef public bint weigh, blind, timed, balanced

    @cython.locals(d=Data, r=Route, lx=cython.longlong, limit=cython.longlong,
                   first=cython.longlong, service=cython.longlong, need=list, cands=list,
                   k=Py_ssize_t, g=Py_ssize_t, key=cython.longlong, lo=Py_ssize_t, hi=Py_ssize_t, pos=Py_ssize_t,
                   pinned=bint, failed="long long[::1]", row=Py_ssize_t)
    cpdef object best_insertion(self, long long x, double blink)

    @cython.locals(r=Route)
    cpdef insert(self, long long x, Py_ssize_t k, Py_ssize_t pos)

    @cython.locals(r=Route)
    cpdef object travel(self)

    cpdef tuple costs(self)
