/* push.h: gfdx-push, the MIIT -> PBoC push (DESIGN §6.2): the service descriptor.
 *
 * Consumes gfdx.miit-pushes (sender: the MIIT participant only), keeps pboc.need and
 * pboc.dispatch (push_store.h), publishes to gfdx.dispatch.<branch>. What each record does and
 * every refusal code: push_decide.h. The life cycles: push_fsm.h. The branch table: routing.h. */
#ifndef PUSH_H
#define PUSH_H

#include "service.h"

#define PUSH_CONSUMED_TOPIC "gfdx.miit-pushes"

/* The service descriptor gfdx_daemon_main runs (participant "pboc", schema "pboc"): the
 * decide handlers, the tables and the load hook. Its configure hook loads the push.*
 * settings and the routing table. */
extern const gfdx_service push_service;

#endif
