-- Duplicates are recognised by (authenticated sender, event_id) (DESIGN §8): two senders may
-- choose the same event id without one silencing the other, and a record refused before its
-- sender was authenticated is not remembered at all. value_sha256 tells a retry (same bytes:
-- DUPLICATE) from a reused id (other bytes: EVENT_ID_REUSED). Event ids are stored in their
-- canonical lower-case form.
--
-- Existing rows keep working: their sender and digest come from the message log row of the
-- same (topic, partition, offset); a row without one keeps an empty sender and no digest
-- (a later record with its id is then treated as a duplicate, as before).
ALTER TABLE inbound_event ADD COLUMN sender text;
ALTER TABLE inbound_event ADD COLUMN value_sha256 text;

UPDATE inbound_event e
   SET sender = m.sender, value_sha256 = m.value_sha256
  FROM message_log m
 WHERE m.topic = e.topic AND m.partition = e.partition AND m."offset" = e."offset";
UPDATE inbound_event SET sender = '' WHERE sender IS NULL;
ALTER TABLE inbound_event ALTER COLUMN sender SET NOT NULL;

ALTER TABLE inbound_event DROP CONSTRAINT inbound_event_pkey;
UPDATE inbound_event e SET event_id = lower(e.event_id)
 WHERE e.event_id <> lower(e.event_id)
   AND NOT EXISTS (SELECT 1 FROM inbound_event o WHERE o.sender = e.sender AND o.event_id = lower(e.event_id));
ALTER TABLE inbound_event ADD PRIMARY KEY (sender, event_id);
