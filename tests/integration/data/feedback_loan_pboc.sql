-- Needs for integration_feedback_loan.sh (rows as gfdx-push would write them): LN-1 (code
-- 1.3.1, its filer on the national green-factory list) dispatched to ICBC and CCB; LN-2 (code
-- 1.9.1, not in the shipped catalogue; its filer on no national list) dispatched to CCB.
INSERT INTO pboc.need (need_id, province, location_region, branch_id, quarter, late, is_major,
                       financing_amount, catalogue_code, uscc, factory_name, project_name, status, snapshot)
VALUES
  ('LN-1', '310000', '310115', 'pbc-hq-sh', '2026Q1', false, false, 300000000, '1.3.1',
   '91350100M000100Y43', '上海恒瑞新材料科技有限公司', '余热余压回收利用节能改造项目', 'DISPATCHED', '{}'),
  ('LN-2', '310000', '310115', 'pbc-hq-sh', '2026Q1', false, false, 100000000, '1.9.1',
   '91310115MA1H7ABC2K', '上海某化工有限公司', '屋顶光伏项目', 'DISPATCHED', '{}');
INSERT INTO pboc.dispatch (need_id, bank_id, branch_id, status) VALUES
  ('LN-1', 'bank-icbc-310000', 'pbc-hq-sh', 'ACTIVE'),
  ('LN-1', 'bank-ccb-310000', 'pbc-hq-sh', 'ACTIVE'),
  ('LN-2', 'bank-ccb-310000', 'pbc-hq-sh', 'ACTIVE');

-- gfdx-namelist's read-only contract district.current_entry (schemas/sql/district/
-- 001_ledger.sql), here a view over fixed rows instead of running gfdx-namelist: a national
-- green-factory list (region 100000) holding LN-1's filer, and a district list (500106) whose
-- municipal-level entry is LN-2's filer (not national).
CREATE SCHEMA IF NOT EXISTS district;
CREATE VIEW district.current_entry AS
SELECT * FROM (VALUES
  ('MIIT-GF-2025', 'GREEN_FACTORY', '100000', '91350100M000100Y43', '91350100M000100Y43', '上海恒瑞新材料科技有限公司',
   NULL::text, NULL::text, '{}'::jsonb, 3::bigint, 1::bigint, now(), 'miit'),
  ('500106-EIT-GF', 'GREEN_FACTORY', '500106', '91310115MA1H7ABC2K', '91310115MA1H7ABC2K', '上海某化工有限公司',
   NULL::text, NULL::text, '{"级别": "市级"}'::jsonb, 1::bigint, 1::bigint, now(), 'd500106-eit')
) AS e (list_id, kind, region, entry_key, uscc, name, project_name, category_code, attributes, version,
        since_version, since, publisher);
