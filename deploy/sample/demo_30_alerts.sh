# shellcheck shell=bash
# Demo step (sourced by deploy/demo.sh after the four flows; q, wait_until, PY, top, build,
# stack, pids and the stack's env in scope): issue 12, the bank side.
#   1. an obstacle a bank raises now and the province acknowledges (it stays open);
#   2. the clock moves 30 days on for gfdx-feedback's watch: the dispatches nobody answered
#      (NO_FEEDBACK, each once) and the open obstacle (OBSTACLE_OVERDUE) are noticed, published
#      to the branch (gfdx.alerts.<branch>) and escalated to the province
#      (Escalation on gfdx.coordination.<province>);
#   3. a branch handles one of its alerts; another branch is refused;
#   4. the figures: alerts by kind, open / handled.
#
# Moving the watch's clock. The watch ages dispatches by the calendar from now, and the demo's
# dispatches were made a minute ago, so nothing is due at the real clock. The step restarts
# gfdx-feedback with GFDX_TEST_WATCH_CLOCK_MS (the daemon's test hook, read at start-up only and
# logged as "tests only") and watch.interval_s = 1 in a copy of its config, and when done
# restarts it again as it was. A restart is clean: the consumer group resumes at its committed
# offsets, the outbox relay picks up what is unpublished, nothing is lost or applied twice. A
# configuration setting for the clock is deliberately not offered: a production daemon must
# never be able to run its duties on another date than today's.

fb_cli() { "$build/tools/cli/gfdx" produce -q --brokers "$GFDX_KAFKA_BOOTSTRAP" --topic gfdx.feedback; }

# restart_feedback [CLOCK_MS]: stops the running gfdx-feedback of this demo (by its pid) and
# starts it again, with the watch's clock at CLOCK_MS and a round every second when given.
restart_feedback() {
  local i cfg=$stack/feedback.cfg
  for i in "${!pids[@]}"; do
    if grep -q gfdx-feedback "/proc/${pids[$i]}/cmdline" 2>/dev/null; then
      kill -TERM "${pids[$i]}" 2>/dev/null || true
      wait "${pids[$i]}" 2>/dev/null || true
      unset "pids[$i]"
    fi
  done
  if [ -n "${1:-}" ]; then
    cfg=$stack/feedback-watch.cfg
    cp "$stack/feedback.cfg" "$cfg"
    echo 'watch: { interval_s = 1; };' >>"$cfg"
    GFDX_TEST_WATCH_CLOCK_MS=$1 "$build/services/feedback/gfdx-feedback" --config "$cfg" >>"$stack/feedback.log" 2>&1 &
  else
    "$build/services/feedback/gfdx-feedback" --config "$cfg" >>"$stack/feedback.log" 2>&1 &
  fi
  pids+=($!)
}

echo "demo: alerts 1/4 an obstacle raised now and acknowledged by its province (left open)"
pick=$(q "SELECT m.need_id || ' ' || m.bank_id || ' ' || n.province || ' ' || n.branch_id
            FROM feedback.matching m JOIN pboc.need n USING (need_id)
           WHERE m.stage = 'CONTACTED' AND m.open_obstacles = 0 AND n.status = 'DISPATCHED'
           ORDER BY m.need_id, m.bank_id LIMIT 1")
read -r ob_need ob_bank ob_prov ob_branch <<<"$pick"
ob_id=$($PY -c 'import uuid; print(uuid.uuid4())')
logged=$(q "SELECT count(*) FROM feedback.message_log")
{
  printf '{"$type": "ObstacleRaised", "meta": {"event_id": "%s", "sender": "%s"}, "need_id": "%s", "category": "COLLATERAL", "description": "抵押物评估值不足，需政府性融资担保机构增信"}\n' \
    "$ob_id" "$ob_bank" "$ob_need"
  printf '{"$type": "ObstacleAcknowledged", "meta": {"sender": "prov-%s"}, "need_id": "%s", "obstacle_id": "%s", "comment": "已受理，协调市融资担保公司", "acknowledged_by": "省工信厅融资服务处"}\n' \
    "${ob_prov:0:2}0000" "$ob_need" "$ob_id"
} | fb_cli
wait_until "obstacle steps" "SELECT count(*) FROM feedback.message_log" $((logged + 2))
echo "demo:   obstacle $ob_id of $ob_bank on $ob_need: $(q "SELECT status || ' (acknowledged by ' || coalesce(acknowledged_by, '-') || ')' FROM feedback.obstacle WHERE obstacle_id = '$ob_id'")"

echo "demo: alerts 2/4 gfdx-feedback's watch 30 days on (GFDX_TEST_WATCH_CLOCK_MS; restarted, then restarted back)"
silent=$(q "SELECT count(*) FROM pboc.dispatch d JOIN pboc.need n USING (need_id)
             WHERE d.status = 'ACTIVE' AND n.status = 'DISPATCHED' AND NOT EXISTS
               (SELECT 1 FROM feedback.matching m WHERE m.need_id = d.need_id AND m.bank_id = d.bank_id)")
restart_feedback "$(( $(date +%s%3N) + 30 * 86400000 ))"
wait_until "watch: NO_FEEDBACK" "SELECT count(*) FROM feedback.alert WHERE kind = 'NO_FEEDBACK'" "$silent"
wait_until "watch: OBSTACLE_OVERDUE" "SELECT count(*) FROM feedback.alert WHERE kind = 'OBSTACLE_OVERDUE'" 1
sleep 2 # two more rounds: they must find nothing new
wait_until "feedback outbox" "SELECT (count(*) FILTER (WHERE published_at IS NULL) = 0)::int FROM feedback.outbox" 1
restart_feedback
echo "demo:   dispatches never answered: $silent of $(q "SELECT count(*) FROM pboc.dispatch WHERE status = 'ACTIVE'");" \
     "NO_FEEDBACK alerts: $(q "SELECT count(*) FROM feedback.alert WHERE kind = 'NO_FEEDBACK'") (each once)"
echo "demo:   escalated obstacle: $(q "SELECT a.detail FROM feedback.alert a WHERE a.kind = 'OBSTACLE_OVERDUE' AND a.facts->>'obstacle_id' = '$ob_id'")"
echo "demo:   records of the watch: $(q "SELECT string_agg(record_type || ' ' || n, ', ' ORDER BY record_type) FROM
        (SELECT record_type, count(*) AS n FROM feedback.outbox WHERE record_type IN ('AlertRaised', 'Escalation')
         GROUP BY 1) x") (Escalation to gfdx.coordination.<province>, AlertRaised to gfdx.alerts.<branch>)"

echo "demo: alerts 3/4 the branch handles its alert; another branch may not"
pick=$(q "SELECT alert_id || ' ' || need_id || ' ' || branch_id FROM feedback.alert
           WHERE kind = 'NO_FEEDBACK' AND handled_at IS NULL ORDER BY alert_id LIMIT 1")
read -r al_id al_need al_branch <<<"$pick"
other=$([ "$al_branch" = pbc-hq-sh ] && echo pbc-320000 || echo pbc-hq-sh)
logged=$(q "SELECT count(*) FROM feedback.message_log")
{
  printf '{"$type": "AlertHandled", "meta": {"sender": "%s"}, "need_id": "%s", "alert_id": "%s", "outcome": "DISMISSED", "comment": "越权处理"}\n' \
    "$other" "$al_need" "$al_id"
  printf '{"$type": "AlertHandled", "meta": {"sender": "%s"}, "need_id": "%s", "alert_id": "%s", "outcome": "CONFIRMED", "comment": "已电话督促银行五个工作日内反馈对接情况"}\n' \
    "$al_branch" "$al_need" "$al_id"
} | fb_cli
wait_until "AlertHandled" "SELECT count(*) FROM feedback.message_log" $((logged + 2))
echo "demo:   $other on $al_id: refused $(q "SELECT coalesce(max(reason_code), 'NOT AT ALL') FROM feedback.rejection
                                           WHERE sender = '$other' AND record_type = 'AlertHandled' AND entity_id = '$al_need'")"
echo "demo:   $al_branch on $al_id: $(q "SELECT outcome || ' by ' || handled_by FROM feedback.alert WHERE alert_id = '$al_id'")"

echo "demo: alerts 4/4 alerts by kind: $(q "SELECT string_agg(kind || ' ' || open || ' open / ' || handled || ' handled', ', ' ORDER BY kind)
  FROM (SELECT kind, sum(open) AS open, sum(handled) AS handled FROM feedback.alert_status GROUP BY kind) k")"
