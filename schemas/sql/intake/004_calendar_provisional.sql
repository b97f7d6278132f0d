-- A quarter assigned without the official calendar (common/calendar.h, issue 12): the deadline
-- clock or the named quarter fell in a year deploy/calendar.cfg does not cover, so its last
-- working day was taken by the provisional rule (weekends and the fixed-date statutory
-- holidays; the lunar holidays and make-up days unknown). The recommendation is accepted, the
-- need says so: quarter_provisional, and quarter_uncovered_year, the year whose notice
-- (国务院办公厅关于<year>年部分节假日安排的通知) the calendar lacked. The need_event of the
-- recommendation carries the same under detail.calendar.
ALTER TABLE need
    ADD COLUMN quarter_provisional    boolean NOT NULL DEFAULT false,
    ADD COLUMN quarter_uncovered_year integer,
    ADD CONSTRAINT need_quarter_provisional_year
        CHECK (quarter_provisional = (quarter_uncovered_year IS NOT NULL));
