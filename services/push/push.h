/* push.h: gfdx-push, the MIIT -> PBoC push (DESIGN §6.2): the service descriptor.
 *
 * Consumes gfdx.miit-pushes (sender: the MIIT participant only) and gfdx.dispatch-assignments
 * (BanksAssigned, sender: the need's branch), keeps pboc.need, pboc.dispatch and pboc.alert
 * (push_store.h), publishes to gfdx.dispatch.<branch> and (the watch, push_watch.h)
 * gfdx.alerts.<branch>. What each record does and
 * every refusal code: push_decide.h. The life cycles: push_fsm.h. The branch table: routing.h. */
#ifndef PUSH_H
#define PUSH_H

#include "service.h"

#define PUSH_CONSUMED_TOPIC "gfdx.miit-pushes"
/* BanksAssigned, written by the PBoC branches (issue 12). */
#define PUSH_ASSIGNMENTS_TOPIC "gfdx.dispatch-assignments"

/* The service descriptor gfdx_daemon_main runs (participant "pboc", schema "pboc"): the
 * decide handlers, the tables, the load hook and the watch. Its configure hook loads the
 * push.* settings and the routing table. */
extern const gfdx_service push_service;

#endif
