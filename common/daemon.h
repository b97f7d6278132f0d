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
 * Assignment: a partition is consumed only from the offset stored in PostgreSQL. The
 * rebalance callback never waits: if PostgreSQL is connected it reads the stored offsets
 * and assigns the partitions at them; otherwise it assigns them paused, and the loop reads
 * their stored offsets once PostgreSQL answers (back-off), seeks and resumes them, while it
 * goes on serving signals and further rebalances (a stalled member would hold up the whole
 * group). A batch dropped by a rebalance or the fence has its partitions paused and sought
 * again. Every assign/unassign result is checked; a failed one is logged at ERROR and the
 * daemon leaves and rejoins the group; partitions idle for 30 s are reported at ERROR.
 * A transient failure of PostgreSQL or Kafka rolls the batch back and retries it with
 * back-off; the process never exits on one.
 * Offset gaps: when a stored offset is below the partition's low watermark (retention, or
 * the dev broker's 5 MiB per partition, passed it), the first batch after the seek starts
 * beyond the stored offset. That batch's transaction also writes one <schema>.offset_gap
 * row (topic, partition, from_offset .. to_offset, low_watermark, detected_by), so a gap
 * is recorded exactly once whatever crashes or retries; after COMMIT an ERROR line names
 * it and gfdx_offset_gaps_total counts it. auto.offset.reset stays `earliest` on purpose:
 * an exchange must not stall on records that no longer exist; it goes on from the earliest
 * record still there, and the row tells operators whom to ask for what was lost. A batch
 * that starts beyond the stored offset without a seek just before it means our fetch
 * position ran ahead: never a gap, the partition is sought again. Not detected: records
 * lost before a partition was ever consumed (no stored offset), and a partition whose
 * records are all gone and that receives no new one (nothing is fetched); a topic written
 * with transactions would show each commit marker as a one-offset gap. SIGTERM/SIGINT: finish the batch, commit, publish, leave the group,
 * exit 0; a second one exits at once (status 1). SIGHUP reloads the participant registry and
 * the calendar (a failed reload keeps the old ones).
 * Exit status: 0 clean stop, 1 runtime failure at start-up, 2 usage or configuration error. */
#ifndef GFDX_DAEMON_H
#define GFDX_DAEMON_H

#include "service.h"

int gfdx_daemon_main(int argc, char **argv, const gfdx_service *svc);

#endif
