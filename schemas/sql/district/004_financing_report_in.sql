-- Where gfdx-namelist appends financing reports (issue 11): financing_report's key has five
-- columns, more than the rowset keys a table by (GFDX_ROWS_MAX_KEY), so the reports of a
-- batch are appended here in offset order (one INSERT ... SELECT per batch) and each row is
-- upserted into financing_report by the trigger, one after the other: a correction of an
-- earlier report replaces its figures and counts a revision, also when both are in the same
-- batch (a single INSERT ... ON CONFLICT DO UPDATE could not touch one row twice).
CREATE VIEW financing_report_in AS
SELECT list_id, entry_key, period, institution, product, product_name, uscc, amount, balance, rate_bp,
       reported_by, event_id, occurred_at, updated_at
  FROM financing_report
 WHERE false;

CREATE FUNCTION financing_report_in_upsert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO financing_report AS f (list_id, entry_key, period, institution, product, product_name, uscc,
                                       amount, balance, rate_bp, reported_by, event_id, occurred_at, updated_at)
    VALUES (NEW.list_id, NEW.entry_key, NEW.period, NEW.institution, NEW.product, NEW.product_name, NEW.uscc,
            NEW.amount, NEW.balance, NEW.rate_bp, NEW.reported_by, NEW.event_id, NEW.occurred_at,
            coalesce(NEW.updated_at, now()))
    ON CONFLICT (list_id, entry_key, period, institution, product) DO UPDATE SET
        product_name = EXCLUDED.product_name, uscc = EXCLUDED.uscc, amount = EXCLUDED.amount,
        balance = EXCLUDED.balance, rate_bp = EXCLUDED.rate_bp, reported_by = EXCLUDED.reported_by,
        event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at, revision = f.revision + 1,
        updated_at = EXCLUDED.updated_at;
    RETURN NEW;
END $$;

CREATE TRIGGER financing_report_in_upsert INSTEAD OF INSERT ON financing_report_in
    FOR EACH ROW EXECUTE FUNCTION financing_report_in_upsert();
