/* gfdx-namelist: consumes gfdx.namelists, keeps the district ledger (schema district). */
#include "daemon.h"
#include "namelist.h"

int main(int argc, char **argv) { return gfdx_daemon_main(argc, argv, &namelist_service); }
