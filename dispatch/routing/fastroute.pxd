# C types for the compiled build of fastroute.py (see setup.py). The .py file is the code and
# runs as it is where nothing was compiled; this file only declares what may be a C integer.
cimport cython
from .fastdata cimport Data, VehicleData
from .fasttiming cimport latest_arrival, latest_departure, take_breaks, task_end

cdef long long NEG, NONE
cdef Py_ssize_t GAP

cdef class Route:
    cdef public Data d
    cdef public VehicleData v
    cdef public Py_ssize_t k
    cdef public long long version, travel, njobs, la_end, slack, finish
    cdef public list seq, tend, las, lan, load, room
    cdef public object kept
    cdef public long long[::1] gx

    @cython.locals(mf="long long[::1]", size=cython.longlong, loc=list, n=Py_ssize_t,
                   i=Py_ssize_t, x=cython.longlong, lx=cython.longlong, t=cython.longlong,
                   here=cython.longlong, travel=cython.longlong, njobs=cython.longlong,
                   drive=cython.longlong, finish=cython.longlong, tend=list, pending=list,
                   load=list,
                   ncap=Py_ssize_t, c=Py_ssize_t, dem=tuple)
    cpdef bint update(self)

    @cython.locals(g=Py_ssize_t, i=Py_ssize_t, b=cython.longlong, reach=cython.longlong,
                   scale=cython.longlong, base=cython.longlong, row=cython.longlong,
                   begin=cython.longlong, tend=cython.longlong, col=cython.longlong,
                   mf="long long[::1]", gx="long long[::1]")
    cpdef candidates(self, long long lx, long long limit, long long first,
                     long long service, list out)

    @cython.locals(mf="long long[::1]", size=cython.longlong, loc=list, seq=list,
                   p=Py_ssize_t, q=Py_ssize_t, n=Py_ssize_t,
                   t=cython.longlong, here=cython.longlong, lx=cython.longlong,
                   there=cython.longlong, d_in=cython.longlong, d_out=cython.longlong,
                   d_old=cython.longlong, extra=cython.longlong)
    cpdef object insertion(self, long long x, Py_ssize_t pos, object bound=*)

    @cython.locals(seq=list, p=Py_ssize_t, q=Py_ssize_t, n=Py_ssize_t)
    cpdef (Py_ssize_t, Py_ssize_t, long long, long long) _around(self, Py_ssize_t a, Py_ssize_t b)

    @cython.locals(seq=list, limit=cython.longlong)
    cpdef bint _on_time(self, Py_ssize_t q, long long here, long long t, long long drive,
                        list pending)

    @cython.locals(mf="long long[::1]", size=cython.longlong, loc=list, setup=list,
                   serv=list, wins=list, n=Py_ssize_t, i=Py_ssize_t, x=cython.longlong,
                   lx=cython.longlong, drive=cython.longlong, target=cython.longlong,
                   depart=cython.longlong, nxt_la_s=cython.longlong, nxt_la_n=cython.longlong,
                   nxt_loc=cython.longlong, las=list, lan=list,
                   pending=list)
    cpdef _backward(self)

    @cython.locals(seq=list, loc=list, mf="long long[::1]", tend=list, lan=list,
                   gx="long long[::1]", here=cython.longlong, there=cython.longlong,
                   t=cython.longlong, la=cython.longlong, last=Py_ssize_t, i=Py_ssize_t,
                   x=cython.longlong, slack=cython.longlong, n=Py_ssize_t, o=Py_ssize_t,
                   size=Py_ssize_t)
    cpdef _gaps(self)

    cpdef (Py_ssize_t, Py_ssize_t) span(self, Py_ssize_t g)

    @cython.locals(mf="long long[::1]", size=cython.longlong, loc=list, seq=list,
                   p=Py_ssize_t, q=Py_ssize_t, n=Py_ssize_t,
                   t=cython.longlong, here=cython.longlong, there=cython.longlong,
                   old=cython.longlong, at=cython.longlong, new=cython.longlong,
                   x=cython.longlong, drive=cython.longlong, extra=cython.longlong,
                   pending=list)
    cpdef object replace(self, Py_ssize_t a, Py_ssize_t b, list items)
