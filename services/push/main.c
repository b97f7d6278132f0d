/* gfdx-push: consumes gfdx.miit-pushes, keeps pboc.need and pboc.dispatch, publishes to
 * gfdx.dispatch.<branch>. */
#include "daemon.h"
#include "push.h"

int main(int argc, char **argv) { return gfdx_daemon_main(argc, argv, &push_service); }
