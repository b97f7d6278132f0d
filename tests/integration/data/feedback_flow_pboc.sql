-- Needs pushed to the PBoC and dispatched to banks, for integration_feedback_flow.sh
-- (rows as gfdx-push would write them; amounts in fen: 500000000 = 500 万元).
INSERT INTO pboc.need (need_id, province, location_region, branch_id, quarter, late, is_major,
                       financing_amount, catalogue_code, uscc, factory_name, project_name, status, snapshot)
VALUES
  ('FB-SH-0001', '310000', '310115', 'pbc-hq-sh', '2026Q1', false, false, 500000000, '1.3.1',
   '91350100M000100Y43', '上海恒瑞新材料科技有限公司', '余热余压回收利用节能改造项目', 'DISPATCHED', '{}'),
  ('FB-JS-0001', '320000', '320500', 'pbc-320000', '2026Q1', false, false, 200000000, '2.2.1',
   '91350100M000100Y43', '苏州华鑫印染有限公司', '废水近零排放改造项目', 'DISPATCHED', '{}'),
  ('FB-CQ-0001', '500000', '500106', 'pbc-500000', '2026Q1', false, true, 300000000, '4.1.2',
   '91350100M000100Y43', '重庆宏远汽车零部件有限公司', '厂房屋顶分布式光伏及储能工业绿色微电网项目', 'DISPATCHED', '{}'),
  ('FB-NB-0001', '330000', '330200', 'pbc-330200', '2026Q1', false, false, 100000000, '9.1.1',
   '91350100M000100Y43', '宁波创达电机有限公司', '高效节能永磁电机研发及产业化项目', 'DISPATCHED', '{}');

INSERT INTO pboc.dispatch (need_id, bank_id, branch_id, status) VALUES
  ('FB-SH-0001', 'bank-icbc-310000',  'pbc-hq-sh',  'ACTIVE'),
  ('FB-SH-0001', 'bank-ccb-310000',   'pbc-hq-sh',  'ACTIVE'),
  ('FB-SH-0001', 'bank-bocom-310000', 'pbc-hq-sh',  'ACTIVE'),
  ('FB-JS-0001', 'bank-abc-320000',   'pbc-320000', 'ACTIVE'),
  ('FB-CQ-0001', 'bank-ccb-500000',   'pbc-500000', 'ACTIVE'),
  ('FB-CQ-0001', 'bank-cqrcb-500000', 'pbc-500000', 'ACTIVE'),
  ('FB-CQ-0001', 'bank-cqcb-500000',  'pbc-500000', 'ACTIVE'),
  ('FB-NB-0001', 'bank-nbcb-330200',  'pbc-330200', 'ACTIVE');
