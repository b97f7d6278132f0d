-- Needs for integration_feedback_hardening.sh (rows as gfdx-push would write them): FH-OPEN
-- and FH-FINAL (withdrawn by the test half-way) dispatched to one bank, FH-BIG to two.
INSERT INTO pboc.need (need_id, province, location_region, branch_id, quarter, late, is_major,
                       financing_amount, catalogue_code, uscc, factory_name, project_name, status, snapshot)
VALUES
  ('FH-OPEN', '310000', '310115', 'pbc-hq-sh', '2026Q1', false, false, 500000000, '1.3.1',
   '91350100M000100Y43', '上海恒瑞新材料科技有限公司', '余热余压回收利用节能改造项目', 'DISPATCHED', '{}'),
  ('FH-FINAL', '310000', '310115', 'pbc-hq-sh', '2026Q1', false, false, 500000000, '1.3.1',
   '91350100M000100Y43', '上海恒瑞新材料科技有限公司', '屋顶光伏项目', 'DISPATCHED', '{}'),
  ('FH-BIG', '310000', '310115', 'pbc-hq-sh', '2026Q1', false, false, 500000000, '1.3.1',
   '91350100M000100Y43', '上海恒瑞新材料科技有限公司', '绿色微电网项目', 'DISPATCHED', '{}');
INSERT INTO pboc.dispatch (need_id, bank_id, branch_id, status) VALUES
  ('FH-OPEN', 'bank-icbc-310000', 'pbc-hq-sh', 'ACTIVE'),
  ('FH-FINAL', 'bank-icbc-310000', 'pbc-hq-sh', 'ACTIVE'),
  ('FH-BIG', 'bank-icbc-310000', 'pbc-hq-sh', 'ACTIVE'),
  ('FH-BIG', 'bank-ccb-310000', 'pbc-hq-sh', 'ACTIVE');
