/* intake_priority.c: see intake_priority.h. */
#include "intake_priority.h"

#include <string.h>

#include "intake_store.h"

static bool six_digits(const char *s)
{
    return s && strlen(s) == 6 && strspn(s, "0123456789") == 6;
}

bool intake_region_covers(const char *list_region, const char *region)
{
    if (!six_digits(list_region) || !six_digits(region))
        return false;
    if (!strcmp(list_region, "100000"))
        return true;
    size_t prefix = !strcmp(list_region + 2, "0000") ? 2 : !strcmp(list_region + 4, "00") ? 4 : 6;
    return !strncmp(list_region, region, prefix);
}

int intake_uscc_region(const char *uscc, char out[7])
{
    if (!uscc || strlen(uscc) < 8 || strspn(uscc + 2, "0123456789") < 6)
        return -1;
    memcpy(out, uscc + 2, 6);
    out[6] = '\0';
    return 0;
}

/* Inserts kind into the sorted array tags unless it is there. 0, or -1 when out of memory. */
static int insert_sorted(json_t *tags, const char *kind)
{
    size_t j;
    for (j = 0; j < json_array_size(tags); j++)
        if (strcmp(json_string_value(json_array_get(tags, j)), kind) >= 0)
            break;
    if (j < json_array_size(tags) && !strcmp(json_string_value(json_array_get(tags, j)), kind))
        return 0;
    return json_array_insert_new(tags, j, json_string(kind));
}

json_t *intake_priority_tags(const gfdx_rowset *rs, const char *uscc)
{
    json_t *found = gfdx_rows_find(rs, &intake_current_entry_table, "uscc", uscc ? uscc : "");
    json_t *tags = found ? json_array() : NULL, *entry;
    char region[7];
    bool known = intake_uscc_region(uscc, region) == 0;
    size_t i;
    json_array_foreach(found, i, entry) {
        const char *kind = gfdx_rows_str(entry, "kind");
        if (!tags || !known || !intake_region_covers(gfdx_rows_str(entry, "region"), region))
            continue;
        if (insert_sorted(tags, kind ? kind : "")) {
            json_decref(tags);
            tags = NULL;
        }
    }
    json_decref(found);
    return tags;
}
