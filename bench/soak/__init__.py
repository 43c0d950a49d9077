"""`placematch soak`: the fault and load suite an LA can run itself (issue 13).

- `server`: a throwaway database with the demo region and users; uvicorn in a process
  group of its own, to kill -9 and start again;
- `client`: timed calls recorded by route, with what each call may answer;
- `mix`: an LA's day as load, by role;
- `invariants`: what must hold in the database, as SQL, in one place;
- `faults`: kill -9 during confirmations, a 903 import and a batch run;
- `stateful`: schemathesis with the links it infers;
- `suite`, `report`: the whole run in order, and its markdown.

It drives the service from outside over HTTP and reads the database only to check it.
"""
