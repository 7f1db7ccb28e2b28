# C types for the compiled build of fasttiming.py (see setup.py); the .py file runs as it is
# where nothing was compiled.
cimport cython
from .fastdata cimport Data

cdef long long NEG, NONE

@cython.locals(wins=tuple, service=cython.longlong, a=cython.longlong, b=cython.longlong,
               begin=cython.longlong, driven=cython.longlong)
cpdef (long long, long long) take_breaks(list breaks, long long t, long long rest)

@cython.locals(lx=cython.longlong, drive=cython.longlong, arrival=cython.longlong,
               begin=cython.longlong, a=cython.longlong, b=cython.longlong)
cpdef long long task_end(Data d, list pending, long long t, long long here, long long x)

@cython.locals(best=cython.longlong, top=cython.longlong, a=cython.longlong, b=cython.longlong)
cpdef long long latest_arrival(tuple wins, long long latest_start)

@cython.locals(wins=tuple, service=cython.longlong, a=cython.longlong, b=cython.longlong,
               best=cython.longlong, top=cython.longlong, lo=cython.longlong,
               hi=cython.longlong, mid=cython.longlong)
cpdef long long latest_departure(list breaks, long long drive, long long target)

@cython.locals(end=cython.longlong, rest=cython.longlong)
cpdef bint arrives_by(list breaks, long long t, long long drive, long long target)
