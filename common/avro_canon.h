/* avro_canon: Avro schema model, Parsing Canonical Form and CRC-64-AVRO fingerprints.
 *
 * avro-c has neither canonical forms nor fingerprints, so this module parses schema JSON
 * (jansson) into a small resolved model (gfdx_avro_tree: every name reference already
 * points at its definition) and prints the canonical form from it, following the Avro
 * spec's "Parsing Canonical Form for Schemas": PRIMITIVES, FULLNAMES, STRIP, ORDER,
 * STRINGS, INTEGERS, WHITESPACE. The same model drives avro_serde's codec.
 *
 * All functions are thread-safe; a gfdx_avro_tree is immutable once parsed. */
#ifndef GFDX_AVRO_CANON_H
#define GFDX_AVRO_CANON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* CRC-64-AVRO of the empty input: the Rabin fingerprint's seed. */
#define GFDX_AVRO_CRC64_EMPTY UINT64_C(0xc15d213aa4d7a795)

typedef enum {
    GFDX_AVRO_NULL,
    GFDX_AVRO_BOOLEAN,
    GFDX_AVRO_INT,
    GFDX_AVRO_LONG,
    GFDX_AVRO_FLOAT,
    GFDX_AVRO_DOUBLE,
    GFDX_AVRO_BYTES,
    GFDX_AVRO_STRING,
    GFDX_AVRO_RECORD,
    GFDX_AVRO_ENUM,
    GFDX_AVRO_ARRAY,
    GFDX_AVRO_MAP,
    GFDX_AVRO_UNION,
    GFDX_AVRO_FIXED
} gfdx_avro_type;

typedef struct gfdx_avro_node gfdx_avro_node;

/* One record field. `def` is the field's "default" from the schema JSON (borrowed from the
 * tree, NULL when the field has none); `aliases` are the field's alternative names. */
typedef struct {
    const char *name;
    const gfdx_avro_node *type;
    const json_t *def;
    const char *const *aliases;
    size_t n_aliases;
} gfdx_avro_field;

/* A resolved schema node. Read-only for users; owned by its gfdx_avro_tree. Named types
 * (record, enum, fixed) have `fullname`, `name` (the part after the last dot) and
 * `aliases` (full names). A schema may be recursive: a record's field can point back at
 * the record itself, so walkers must bound their depth by the data, not the schema. */
struct gfdx_avro_node {
    gfdx_avro_type type;
    const char *fullname;           /* named types only */
    const char *name;               /* named types only: unqualified */
    const char *const *aliases;     /* named types only: full names */
    size_t n_aliases;
    const gfdx_avro_field *fields;  /* record */
    size_t n_fields;
    const char *const *symbols;     /* enum */
    size_t n_symbols;
    const char *enum_default;       /* enum: symbol for unknown writer symbols, or NULL */
    const gfdx_avro_node *items;    /* array */
    const gfdx_avro_node *values;   /* map */
    const gfdx_avro_node *const *branches; /* union */
    size_t n_branches;
    size_t size;                    /* fixed */
};

typedef struct gfdx_avro_tree gfdx_avro_tree;

/* Parses schema JSON (any schema: a primitive name, an object, a union array) into a
 * resolved tree. Returns NULL and fills err on an invalid schema. The tree keeps its own
 * reference to `schema` (for field defaults). Free with gfdx_avro_tree_free. */
gfdx_avro_tree *gfdx_avro_tree_parse(const json_t *schema, char *err, size_t errlen);
void gfdx_avro_tree_free(gfdx_avro_tree *tree);
const gfdx_avro_node *gfdx_avro_tree_root(const gfdx_avro_tree *tree);

/* Name of a type as schemas spell it: "int", "record", ... (static string). */
const char *gfdx_avro_type_name(gfdx_avro_type type);

/* Parsing Canonical Form of a parsed node. Returns a malloc'd string (caller frees) or
 * NULL on out-of-memory (err filled). */
char *gfdx_avro_canonical_node(const gfdx_avro_node *node, char *err, size_t errlen);

/* Parsing Canonical Form of schema text / schema JSON. Returns a malloc'd NUL-terminated
 * string (caller frees), or NULL with err filled when the text is not JSON or not a valid
 * schema. */
char *gfdx_avro_canonical(const char *schema_json, char *err, size_t errlen);
char *gfdx_avro_canonical_json(const json_t *schema, char *err, size_t errlen);

/* CRC-64-AVRO (the spec's 64-bit Rabin fingerprint) of `len` bytes. */
uint64_t gfdx_avro_crc64(const void *buf, size_t len);

/* Fingerprint of a canonical form (a NUL-terminated string). */
uint64_t gfdx_avro_fingerprint(const char *canonical);

#endif
