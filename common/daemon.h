/* daemon.h: the main program of every gfdx daemon.
 *
 * gfdx_daemon_main parses the command line (--config FILE, --check-config, --version,
 * --help), loads the configuration, participant registry, calendar and Avro catalogue,
 * connects to PostgreSQL (waiting with back-off), applies the service's migrations, and runs
 * the consume loop:
 *   - poll a batch (batch.max_records or batch.max_ms, whichever first);
 *   - BEGIN; every record through the inbound pipeline; the batch's offsets into
 *     <schema>.kafka_offset (fenced: only if no other instance moved them); COMMIT;
 *   - commit the same offsets to Kafka (only for lag monitoring: the database is the truth);
 *   - publish pending outbox rows.
 * On partition assignment it seeks to the offsets stored in PostgreSQL. A transient failure
 * of PostgreSQL or Kafka rolls the batch back and retries it with back-off; the process
 * never exits on one. SIGTERM/SIGINT: finish the batch, commit, publish, leave the group,
 * exit 0; a second one exits at once (status 1). SIGHUP reloads the participant registry and
 * the calendar (a failed reload keeps the old ones).
 * Exit status: 0 clean stop, 1 runtime failure at start-up, 2 usage or configuration error. */
#ifndef GFDX_DAEMON_H
#define GFDX_DAEMON_H

#include "service.h"

int gfdx_daemon_main(int argc, char **argv, const gfdx_service *svc);

#endif
