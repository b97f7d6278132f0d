/* participants.h: the participant registry (DESIGN §5) and authorization predicates.
 *
 * Loaded from a libconfig file:
 *   participants = (
 *     { id = "miit"; kind = "miit"; region = "100000"; name = "工业和信息化部"; },
 *     { id = "bank-icbc-310000"; kind = "bank"; region = "310000";
 *       name = "中国工商银行上海市分行"; branches = ["pbc-hq-sh"]; },
 *     { id = "d500106-eco"; kind = "district_bureau"; bureau = "ecology"; region = "500106";
 *       name = "重庆市沙坪坝区生态环境局"; },
 *     ...
 *   );
 * Rules (a violation fails the whole load, naming the entry by index and id):
 *   - id: 1-64 chars of [A-Za-z0-9._-] (ids appear in topic names), unique;
 *   - kind: miit | province_authority | pboc | pboc_branch | bank | district_bureau |
 *     platform_office (Shanghai's 产业绿贷 platform office) | guarantor | insurer | fund |
 *     underwriter (the 产业绿贷 institutions that file tables 2-5, DESIGN §6.5);
 *   - region: a valid GB/T 2260 code (region.h); the national code "100000" only for miit and
 *     pboc; a province_authority's region must be a province code ("310000"), a 计划单列市
 *     code ("330200": the city's own authority, 宁波市经济和信息化局) or GFDX_REGION_BINGTUAN
 *     "660000" (新疆生产建设兵团's authority: not a GB/T 2260 code, region.h says why; only
 *     a province_authority may have it);
 *   - name: non-empty;
 *   - bureau: drc | eit | housing | ecology | finance, present iff kind is district_bureau;
 *   - branches: only for banks; each the id of a pboc_branch in the file, none twice; or
 *     exactly ["national"]: the bank is a national head office (总行) that the MIIT/PBoC
 *     notice addresses directly and that serves every branch (gfdx_registry_head_offices);
 *     "national" is never mixed with branch ids. A head office's region is where it is
 *     registered (not 100000, which stays miit's and pboc's);
 *   - principal: the participant's Kafka principal, the one its ACLs name (`gfdx kafka
 *     apply`): "User:" and a SCRAM user name or TLS distinguished name of
 *     [A-Za-z0-9._@=,+-]; default "User:<id>"; no two participants share one;
 *   - keys: optional list of the participant's public keys (DESIGN §4, §5), the line that
 *     `gfdx keys generate` prints:
 *       keys = ( { kid = "prov-310000#2026a"; alg = "ed25519"; public_key = "<base64 DER SPKI>";
 *                  not_before = "2026-01-01"; not_after = "2027-12-31"; }, ... );
 *     kid: 1-127 chars of [A-Za-z0-9._#:-], unique in the whole registry (a kid names one key of
 *     one participant); alg: ed25519 | sm2; public_key: see sign.h, of that algorithm;
 *     not_before / not_after: sign.h gfdx_sign_validity_parse. Several keys at once during a
 *     rotation; a key past not_after stays listed and is refused KEY_EXPIRED. Each key's
 *     verifier is built here, at load, never per record;
 *   - liaison: optional, the institution's liaison officer (联络专员, 2024 产业绿贷 notice §6):
 *       liaison = { name = "王敏"; phone = "021-..."; email = "..."; };  name and at least one
 *     of phone / email; each at most 200 bytes;
 *   - no other settings (a misspelt key is an error, not silently ignored).
 *
 * A loaded registry is immutable: share it between threads; reload by loading a new one and
 * swapping the pointer (a failed reload keeps the old one). Participants and their strings
 * live as long as the registry. */
#ifndef GFDX_PARTICIPANTS_H
#define GFDX_PARTICIPANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sign.h"

#define GFDX_REGION_NATIONAL "100000"

typedef enum {
    GFDX_PK_MIIT,
    GFDX_PK_PROVINCE_AUTHORITY,
    GFDX_PK_PBOC,
    GFDX_PK_PBOC_BRANCH,
    GFDX_PK_BANK,
    GFDX_PK_DISTRICT_BUREAU,
    GFDX_PK_PLATFORM_OFFICE, /* 上海市产业绿色金融服务平台 办公室 */
    GFDX_PK_GUARANTOR,       /* 担保机构: files 表2 */
    GFDX_PK_INSURER,         /* 保险机构: files 表3 */
    GFDX_PK_FUND,            /* 基金公司: files 表4 */
    GFDX_PK_UNDERWRITER      /* 债券承销机构: files 表5 */
} gfdx_participant_kind;

typedef enum {
    GFDX_BUREAU_NONE,
    GFDX_BUREAU_DRC,     /* 发展和改革委员会 */
    GFDX_BUREAU_EIT,     /* 经济和信息化委员会 */
    GFDX_BUREAU_HOUSING, /* 住房和城乡建设委员会 */
    GFDX_BUREAU_ECOLOGY, /* 生态环境局 */
    GFDX_BUREAU_FINANCE  /* 财政局 / 金融工作部门 */
} gfdx_bureau;

/* One registered public key (DESIGN §5). The verifier is owned by the registry; like every
 * gfdx_sign_verifier it holds a scratch buffer, so the registry's keys are used by one
 * thread at a time (the daemon's consuming thread). */
typedef struct {
    const char *kid;
    gfdx_sign_alg alg;
    int64_t from_ms, until_ms;      /* current iff from_ms <= now < until_ms */
    gfdx_sign_verifier *verifier;
} gfdx_participant_key;

typedef struct {
    const char *id, *name;
    const char *principal;          /* Kafka principal, "User:<id>" unless given */
    gfdx_participant_kind kind;
    gfdx_bureau bureau;             /* GFDX_BUREAU_NONE unless a district bureau */
    char region[7];
    const char *const *branches;    /* banks only: ids of the PBoC branches served */
    size_t n_branches;
    bool national;                  /* banks only: branches = ["national"], a head office
                                       (总行) serving every branch; then n_branches is 0 */
    const gfdx_participant_key *keys; /* file order */
    size_t n_keys;
    /* the liaison officer (联络专员), NULL when none is registered; phone or email may be NULL */
    const char *liaison_name, *liaison_phone, *liaison_email;
} gfdx_participant;

typedef struct gfdx_registry gfdx_registry;

/* Loads and validates the file. Returns a registry the caller frees with gfdx_registry_free,
 * or NULL with err naming the file and entry, e.g.
 * "participants.cfg: participants[4] (id \"bank-x\"): branch \"pbc-9\" is not a pboc_branch". */
gfdx_registry *gfdx_registry_load(const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void gfdx_registry_free(gfdx_registry *reg); /* accepts NULL */

/* The participant with this id, or NULL. O(log n). */
const gfdx_participant *gfdx_registry_find(const gfdx_registry *reg, const char *id);

/* The participant whose Kafka principal this is, or NULL. O(n). */
const gfdx_participant *gfdx_registry_find_principal(const gfdx_registry *reg,
                                                    const char *principal);

/* The key with this kid, or NULL; *owner (may be NULL) is set to the participant holding it.
 * O(log k). */
const gfdx_participant_key *gfdx_registry_find_key(const gfdx_registry *reg, const char *kid,
                                                   const gfdx_participant **owner);

/* Authentication of a consumed record (DESIGN §5), in this order:
 *   GFDX_AUTHN_UNSIGNED          no gfdx-kid or no gfdx-sig header (kid NULL or sig_len 0);
 *   GFDX_AUTHN_UNKNOWN_KEY       kid not in the registry;
 *   GFDX_AUTHN_KEY_NOT_OF_SENDER the kid is another participant's than sender (meta.sender);
 *   GFDX_AUTHN_KEY_EXPIRED       now_ms (the receive time) outside the key's validity;
 *   GFDX_AUTHN_BAD_SIGNATURE     sig does not verify over M(key, value) under the key;
 *   GFDX_AUTHN_OK                the record comes from sender.
 * The key's owner is judged before the dates and the signature: a forger learns nothing about
 * another participant's keys from the outcome. GFDX_AUTHN_ERROR (+ err): an OpenSSL failure
 * not caused by the record. The refusal reason names are gfdx_authn_name's. */
typedef enum {
    GFDX_AUTHN_OK = 0,
    GFDX_AUTHN_UNSIGNED,
    GFDX_AUTHN_UNKNOWN_KEY,
    GFDX_AUTHN_KEY_NOT_OF_SENDER,
    GFDX_AUTHN_KEY_EXPIRED,
    GFDX_AUTHN_BAD_SIGNATURE,
    GFDX_AUTHN_ERROR = -1
} gfdx_authn;

gfdx_authn gfdx_registry_authenticate(const gfdx_registry *reg, const char *sender, const char *kid,
                                      const void *key, size_t key_len, const void *value, size_t value_len,
                                      const unsigned char *sig, size_t sig_len, int64_t now_ms, char *err,
                                      size_t errlen);

/* "OK", "UNSIGNED", "UNKNOWN_KEY", "KEY_NOT_OF_SENDER", "KEY_EXPIRED", "BAD_SIGNATURE", "ERROR". */
const char *gfdx_authn_name(gfdx_authn a);

/* Participants in file order: i < count. gfdx_registry_at returns NULL when i is out of range. */
size_t gfdx_registry_count(const gfdx_registry *reg);
const gfdx_participant *gfdx_registry_at(const gfdx_registry *reg, size_t i);

/* The banks that list branch_id in their branches, in file order. Stores at most max of them
 * in out (out may be NULL when max is 0) and returns how many there are in total. */
size_t gfdx_registry_banks_of_branch(const gfdx_registry *reg, const char *branch_id,
                                     const gfdx_participant **out, size_t max);

/* The national head offices (banks with branches = ["national"]), in file order; same
 * contract as gfdx_registry_banks_of_branch. The two sets are disjoint: a head office is
 * never among the banks of a branch, so the banks that receive a branch's dispatch are
 * banks_of_branch(branch) followed by head_offices (gfdx-push combines both). */
size_t gfdx_registry_head_offices(const gfdx_registry *reg, const gfdx_participant **out,
                                  size_t max);

/* Config names: "province_authority", "ecology", ... ("none" for GFDX_BUREAU_NONE,
 * "unknown" for a value outside the enum). Static strings. */
const char *gfdx_participant_kind_name(gfdx_participant_kind kind);
const char *gfdx_bureau_name(gfdx_bureau bureau);

/* Config name -> enum. Returns 0, or -1 if the name is unknown ("none" is not a bureau name). */
int gfdx_participant_kind_parse(const char *name, gfdx_participant_kind *out);
int gfdx_bureau_parse(const char *name, gfdx_bureau *out);

/* Authorization predicates: pure, NULL-safe (a NULL participant is never authorized). */

/* p is a province authority of a province (its region a province code, not a 计划单列市's or
 * the 兵团's authority) and p's province equals the province of province_code (any valid
 * region code: "310000" or "310115" both mean 上海市). False if either code is invalid. */
bool gfdx_auth_is_province_authority_of(const gfdx_participant *p, const char *province_code);

/* p is the industry authority that reviews and recommends a need located at location_region
 * (its project.location_region): the 计划单列市's authority for a project in that city, the
 * 兵团's (region 660000) for one in a 兵团 city (6590xx), the province's authority otherwise
 * (region.h gfdx_region_authority_area_of). So prov-330000 is NOT the authority of a 宁波
 * project (330212): plan cities and the 兵团 report separately like provinces (seed 003).
 * False if location_region is invalid. */
bool gfdx_auth_is_area_authority_of(const gfdx_participant *p, const char *location_region);

/* p is of kind k. */
bool gfdx_auth_is_kind(const gfdx_participant *p, gfdx_participant_kind k);

/* p is a district bureau of bureau type b. */
bool gfdx_auth_is_bureau(const gfdx_participant *p, gfdx_bureau b);

#endif
