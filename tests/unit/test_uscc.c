/* test_uscc.c: GB 32100 check characters. Expected check characters were computed
 * independently (Python, same rule) and are written here as literals. */
#include "check.h"
#include "uscc.h"

static void test_valid(void)
{
    CHECK(gfdx_uscc_is_valid("91350100M000100Y43")); /* the reference in DESIGN §4 */
    CHECK(gfdx_uscc_is_valid("91310115MA1K00003C")); /* letter check character */
    CHECK(gfdx_uscc_is_valid("91310115MA1K00009Y")); /* sum mod 31 == 1 -> 30 -> Y */
    CHECK(gfdx_uscc_is_valid("91310115MA1K0000Y0")); /* sum mod 31 == 0 -> 31 -> 0 */
    CHECK(gfdx_uscc_is_valid("91500106MA5U00000Q"));
    CHECK(gfdx_uscc_is_valid("12100000400000624D"));
    CHECK(gfdx_uscc_explain("91350100M000100Y43") == NULL);
}

static void test_check_char(void)
{
    char c = '?';
    CHECK(gfdx_uscc_check_char("91350100M000100Y4", &c) == 0 && c == '3');
    CHECK(gfdx_uscc_check_char("91310115MA1K0000Y", &c) == 0 && c == '0');
    CHECK(gfdx_uscc_check_char("91440300MA5DC0000", &c) == 0 && c == 'Y');
    /* Characters after the 17th are ignored: a full code gives its own check character. */
    CHECK(gfdx_uscc_check_char("91500106MA5U00000Q", &c) == 0 && c == 'Q');

    c = '?';
    CHECK(gfdx_uscc_check_char("91350100I000100Y4", &c) == -1 && c == '?'); /* I */
    CHECK(gfdx_uscc_check_char("91350100m000100Y4", &c) == -1);             /* lower case */
    CHECK(gfdx_uscc_check_char("9135010", &c) == -1);                       /* short */
    CHECK(gfdx_uscc_check_char(NULL, &c) == -1);
    CHECK(gfdx_uscc_check_char("91350100M000100Y4", NULL) == -1);
}

static void test_length(void)
{
    CHECK_STR_EQ(gfdx_uscc_explain(NULL), "length is not 18");
    CHECK_STR_EQ(gfdx_uscc_explain(""), "length is not 18");
    CHECK_STR_EQ(gfdx_uscc_explain("91350100M000100Y4"), "length is not 18");
    CHECK_STR_EQ(gfdx_uscc_explain("91350100M000100Y433"), "length is not 18");
    CHECK(!gfdx_uscc_is_valid(NULL));
    CHECK(!gfdx_uscc_is_valid("91350100M000100Y4"));
}

static void test_characters(void)
{
    /* Each excluded letter, lower case, space, and a non-ASCII byte, at various places. */
    const char *bad[] = {
        "I1350100M000100Y43", "91350100O000100Y43", "91350100M000S00Y43",
        "91350100M000100V43", "91350100M000100Z43", "91350100m000100Y43",
        "91350100M000100Y4z", "9135010 M000100Y43", "91350100M000100Y4\xc3",
        "91350100M0-0100Y43",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_STR_EQ(gfdx_uscc_explain(bad[i]), "invalid character");
        CHECK_MSG(!gfdx_uscc_is_valid(bad[i]), "%s", bad[i]);
    }
}

static void test_mismatch(void)
{
    CHECK_STR_EQ(gfdx_uscc_explain("91350100M000100Y44"), "check digit mismatch");
    CHECK_STR_EQ(gfdx_uscc_explain("91350100M000100Y4Y"), "check digit mismatch");
    /* One changed body character (transcription error) is caught. */
    CHECK_STR_EQ(gfdx_uscc_explain("91350100M000101Y43"), "check digit mismatch");
    /* Two adjacent characters swapped. */
    CHECK_STR_EQ(gfdx_uscc_explain("19350100M000100Y43"), "check digit mismatch");
    CHECK(!gfdx_uscc_is_valid("91310115MA1K0000YY"));
}

int main(void)
{
    test_valid();
    test_check_char();
    test_length();
    test_characters();
    test_mismatch();
    return CHECK_DONE();
}
