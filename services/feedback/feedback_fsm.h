/* feedback_fsm: the life cycle of one bank's matching on one need (DESIGN §6.3), the
 * (need, bank) row of feedback.matching.
 *
 * Pure and table-driven: no I/O, no allocation, no mutable global state; safe from any
 * thread. A decision maps its record to a feedback_event and asks feedback_fsm_next() for
 * the new stage, the only source of a stage: -1 is refused ILLEGAL_TRANSITION; a legal step
 * that feedback_event_advances() while the bank has an open obstacle is refused
 * MATCHING_BLOCKED (feedback_rules.h checks both, legality first).
 *
 * Stages move forward only; a bank reports each stage it reaches:
 *
 *   NONE            -CONTACTED->       CONTACTED        first contact must be reported
 *   NONE            -DECLINED->        DECLINED         declined without contact (e.g. DUPLICATE_FINANCING)
 *   CONTACTED       -DUE_DILIGENCE->   DUE_DILIGENCE
 *   CONTACTED       -CREDIT_APPROVED-> CREDIT_APPROVED  skip allowed: an existing borrower's file or a
 *                                                      standing credit line replaces a separate
 *                                                      due diligence (e.g. 无还本续贷)
 *   DUE_DILIGENCE   -CREDIT_APPROVED-> CREDIT_APPROVED
 *   CREDIT_APPROVED -CREDIT_APPROVED-> CREDIT_APPROVED  a revised approval (amount, rate, term),
 *                                                      only before the first disbursement
 *   CREDIT_APPROVED -DISBURSED->       DISBURSED        first disbursement
 *   DISBURSED       -DISBURSED->       DISBURSED        further disbursements (amount rules in
 *                                                      feedback_rules.h: cumulative <= approved)
 *   CONTACTED | DUE_DILIGENCE | CREDIT_APPROVED -DECLINED-> DECLINED (final)
 *
 * Illegal, among others: NONE -> DUE_DILIGENCE / CREDIT_APPROVED / DISBURSED (no report of
 * contact), CONTACTED | DUE_DILIGENCE -> DISBURSED (nothing approved to disburse against),
 * any stage reported twice except CREDIT_APPROVED (before money moved) and DISBURSED, any
 * step backwards, DISBURSED -> DECLINED (money has moved: a decline cannot undo it), and
 * anything after DECLINED except the resolution of an obstacle.
 *
 * Obstacles (融资梗阻) do not change the stage:
 *   OBSTACLE_RAISED   legal at NONE, CONTACTED, DUE_DILIGENCE, CREDIT_APPROVED, DISBURSED
 *                     (several may be open at once); not after DECLINED;
 *   OBSTACLE_RESOLVED legal at every stage, DECLINED included (the authorities close their
 *                     case even when the bank has given up).
 * While the bank has an open obstacle its matching is BLOCKED: the stage may not advance
 * (CONTACTED, DUE_DILIGENCE, CREDIT_APPROVED, DISBURSED: feedback_event_advances, refused
 * MATCHING_BLOCKED after feedback_fsm_next found them legal); DECLINED, OBSTACLE_RAISED and
 * OBSTACLE_RESOLVED stay allowed. */
#ifndef FEEDBACK_FSM_H
#define FEEDBACK_FSM_H

#include <stdbool.h>

typedef enum {
    FEEDBACK_NONE = 0, /* no report yet (no row, or a row opened by an obstacle) */
    FEEDBACK_CONTACTED,
    FEEDBACK_DUE_DILIGENCE,
    FEEDBACK_CREDIT_APPROVED,
    FEEDBACK_DISBURSED,
    FEEDBACK_DECLINED
} feedback_stage;

typedef enum {
    FEEDBACK_EV_CONTACTED,       /* MatchingFeedback stage CONTACTED */
    FEEDBACK_EV_DUE_DILIGENCE,   /* ... DUE_DILIGENCE */
    FEEDBACK_EV_CREDIT_APPROVED, /* ... CREDIT_APPROVED */
    FEEDBACK_EV_DISBURSED,       /* ... DISBURSED */
    FEEDBACK_EV_DECLINED,        /* ... DECLINED */
    FEEDBACK_EV_OBSTACLE_RAISED, /* ObstacleRaised */
    FEEDBACK_EV_OBSTACLE_RESOLVED /* ObstacleResolved */
} feedback_event;

#define FEEDBACK_STAGE_COUNT 6
#define FEEDBACK_EVENT_COUNT 7

/* Names as stored in feedback.matching.stage / the Avro enums: "NONE", "CONTACTED",
 * "DUE_DILIGENCE", "CREDIT_APPROVED", "DISBURSED", "DECLINED". Static; "UNKNOWN" out of range. */
const char *feedback_stage_name(feedback_stage st);

/* Exact inverse of feedback_stage_name ("NONE" included). 0 and *out set, or -1 (NULL,
 * unknown name; *out untouched): a stored unknown stage is corrupt state, not NONE. */
int feedback_stage_parse(const char *name, feedback_stage *out);

/* "CONTACTED" ... "DECLINED", "OBSTACLE_RAISED", "OBSTACLE_RESOLVED"; "UNKNOWN" out of range. */
const char *feedback_event_name(feedback_event ev);

/* The event of a MatchingFeedback stage name ("CONTACTED" ... "DECLINED"). 0 or -1. */
int feedback_event_of_stage(const char *stage_name, feedback_event *out);

/* The transition function: 0 and *next set for a legal step, -1 (no such transition, an
 * argument out of range, next NULL) with *next untouched. */
int feedback_fsm_next(feedback_stage cur, feedback_event ev, feedback_stage *next) __attribute__((warn_unused_result));

/* True for the events that advance a bank's work (CONTACTED, DUE_DILIGENCE,
 * CREDIT_APPROVED, DISBURSED): an open obstacle of the bank holds them back. */
bool feedback_event_advances(feedback_event ev);

/* True for DECLINED: only OBSTACLE_RESOLVED is accepted after it. */
bool feedback_stage_is_final(feedback_stage st);

/* The state of one bank's matching on one need (a feedback.matching row), as the pure rules
 * (feedback_rules.h) and the aggregate (feedback_aggregate.h) see it. A bank with no row is
 * what feedback_matching_init() makes (stage NONE). Amounts in fen. */
typedef struct {
    feedback_stage stage;
    bool contacted;             /* reached CONTACTED or beyond at some point (kept after DECLINED) */
    int open_obstacles;         /* obstacles this bank raised on the need, not yet resolved */
    long long approved_amount;  /* latest approval; 0 before CREDIT_APPROVED */
    long long disbursed_total;  /* sum of its disbursements, <= approved_amount */
    int disbursements;          /* number of DISBURSED reports */
    int rate_bp, term_months;   /* terms of the approval; -1 when not reported */
    char product[32];           /* FinancingProduct symbol, "" when not reported */
    char decline_reason[32];    /* DeclineReason symbol, "" unless DECLINED */
} feedback_matching;

/* A bank that has not reported: stage NONE, nothing contacted, approved or disbursed, rate
 * and term -1, no product. */
void feedback_matching_init(feedback_matching *m);

#endif
