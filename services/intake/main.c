/* gfdx-intake: consumes gfdx.needs and gfdx.matching-status, keeps intake.need. */
#include "daemon.h"
#include "intake.h"

int main(int argc, char **argv) { return gfdx_daemon_main(argc, argv, &intake_service); }
