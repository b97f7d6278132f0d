/* push_watch: gfdx-push's watch hook (service.h, gfdx_watch_fn): every watch.interval_s, the
 * pushed needs (DISPATCHED) that have had no ACTIVE dispatch for push.no_bank_alert_days
 * working days since PBoC received them get one NO_BANK alert: a pboc.alert row (OPEN) and an
 * AlertRaised to <push.alert_topic_prefix><branch> (key: alert id). A need with an alert row
 * is never alerted again (the candidate statement skips it and the decision checks it), so a
 * round run twice raises nothing new; BanksAssigned closes the alert. The decision itself is
 * push_watch_decide (push_decide.h), pure and unit tested. */
#ifndef PUSH_WATCH_H
#define PUSH_WATCH_H

#include "service.h"

/* 0 (alerts staged, possibly none) or -1 with w->err and *w->transient (a stored status
 * push_fsm does not know is permanent; a database failure as the rule of fault.h says). */
int push_watch(void *service_ctx, gfdx_watch *w);

#endif
