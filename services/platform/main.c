/* gfdx-platform: consumes gfdx.platform-filings, keeps platform.filing (DESIGN §6.5). */
#include "daemon.h"
#include "platform.h"

int main(int argc, char **argv) { return gfdx_daemon_main(argc, argv, &platform_service); }
