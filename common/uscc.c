/* uscc.c: GB 32100 check character. See uscc.h for the rule. */
#include "uscc.h"

#include <string.h>

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* 3^(i-1) mod 31 for i = 1..17. */
static const int uscc_weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

/* Value 0..30 of an alphabet symbol, or -1 (lower case is not accepted). */
static int uscc_value(char c)
{
    if (c == '\0')
        return -1;
    const char *p = strchr(uscc_alphabet, c);
    return p ? (int)(p - uscc_alphabet) : -1;
}

int gfdx_uscc_check_char(const char *first17, char *out)
{
    if (!first17 || !out)
        return -1;
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(first17[i]);
        if (v < 0)
            return -1; /* also catches a string shorter than 17: its NUL */
        sum += v * uscc_weights[i];
    }
    int check = 31 - sum % 31;
    *out = uscc_alphabet[check == 31 ? 0 : check];
    return 0;
}

const char *gfdx_uscc_explain(const char *s)
{
    if (!s || strlen(s) != GFDX_USCC_LEN)
        return "length is not 18";
    for (int i = 0; i < GFDX_USCC_LEN; i++)
        if (uscc_value(s[i]) < 0)
            return "invalid character";
    char check;
    if (gfdx_uscc_check_char(s, &check) != 0 || check != s[17])
        return "check digit mismatch";
    return NULL;
}

bool gfdx_uscc_is_valid(const char *s)
{
    return gfdx_uscc_explain(s) == NULL;
}
