/* avro_catalog: every known version of every record schema, looked up by fingerprint (the
 * writer of a single-object message) or by name (the reader a consumer wants).
 *
 * A catalogue directory holds `<snake_name>.v<N>.avsc` files, each one top-level record
 * schema (e.g. need_submitted.v2.avsc holds gfdx.v1.NeedSubmitted, version 2). Other files
 * are ignored. A catalogue is immutable after loading and may be shared between threads. */
#ifndef GFDX_AVRO_CATALOG_H
#define GFDX_AVRO_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include <avro.h>
#include <jansson.h>

#include "avro_canon.h"

typedef struct gfdx_catalog gfdx_catalog;
typedef struct gfdx_schema gfdx_schema;

/* Loads every *.v<N>.avsc file of `dir`. Returns NULL with err naming the file on: a bad
 * file name, unreadable or unparsable schema (by our parser or avro-c), a top-level schema
 * that is not a record, a record name that does not match the file name, two files with
 * the same fingerprint or the same name and version, or no schema file at all.
 * Free with gfdx_catalog_free. */
gfdx_catalog *gfdx_catalog_load(const char *dir, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void gfdx_catalog_free(gfdx_catalog *cat);

/* Lookups return schemas owned by the catalogue (valid until gfdx_catalog_free), or NULL.
 * `name` is a full name ("gfdx.v1.NeedSubmitted") or a short one ("NeedSubmitted"). */
const gfdx_schema *gfdx_catalog_by_fingerprint(const gfdx_catalog *cat, uint64_t fp);
const gfdx_schema *gfdx_catalog_latest(const gfdx_catalog *cat, const char *name);
const gfdx_schema *gfdx_catalog_version(const gfdx_catalog *cat, const char *name, int version);

/* Schemas in a stable order: by full name, then version. */
size_t gfdx_catalog_count(const gfdx_catalog *cat);
const gfdx_schema *gfdx_catalog_at(const gfdx_catalog *cat, size_t i);

const char *gfdx_schema_fullname(const gfdx_schema *s);   /* "gfdx.v1.NeedSubmitted" */
const char *gfdx_schema_name(const gfdx_schema *s);       /* "NeedSubmitted" */
int gfdx_schema_version(const gfdx_schema *s);            /* N of the file name */
uint64_t gfdx_schema_fingerprint(const gfdx_schema *s);   /* CRC-64-AVRO of canonical */
const char *gfdx_schema_canonical(const gfdx_schema *s);  /* Parsing Canonical Form */
const char *gfdx_schema_file(const gfdx_schema *s);       /* file name, e.g. "x.v1.avsc" */
const json_t *gfdx_schema_json(const gfdx_schema *s);     /* the file's JSON (defaults) */
avro_schema_t gfdx_schema_avro(const gfdx_schema *s);     /* borrowed: incref to keep */
const gfdx_avro_node *gfdx_schema_node(const gfdx_schema *s); /* resolved model (serde) */

#endif
