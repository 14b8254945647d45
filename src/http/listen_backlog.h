// http/listen_backlog — widen the accept backlog of a socket that a library already listens on.
//
// Why: cpp-httplib (Debian's build) listens with a backlog of 5, so a burst of simultaneous connects
// (a client opening 50 keep-alive connections at once) overflows it and the kernel drops SYNs, which the
// client retries after 1 s. Linux lets listen() be called again on a listening socket to change it.
#pragma once

namespace skyql::http {

// Finds this process's listening TCP socket bound to `port` and raises its backlog to SOMAXCONN.
// Returns false when no such socket was found.
bool widen_listen_backlog(int port);

}  // namespace skyql::http
