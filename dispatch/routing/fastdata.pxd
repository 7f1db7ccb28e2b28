# C types for the compiled build of fastdata.py (see setup.py); the .py file runs as it is
# where nothing was compiled.

cdef class Data:
    cdef public long long[::1] mf
    cdef public Py_ssize_t size
    cdef public list loc, setup, serv, prio, dem, wins, last_end, vehicles
    cdef public object travel_bound
    cdef public set pinned
    cdef public Py_ssize_t ndim, gap_bits, route_bits

cdef class VehicleData:
    cdef public long long start, end, leave, last
    cdef public bint ok
    cdef public tuple cap
    cdef public object max_travel, max_tasks
    cdef public list breaks

cpdef (Py_ssize_t, Py_ssize_t) unpack(Data d, long long key)
