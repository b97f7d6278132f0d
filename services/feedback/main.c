/* gfdx-feedback: consumes gfdx.feedback, keeps the feedback schema, publishes
 * NeedMatchingStatus to gfdx.matching-status and ObstacleCoordination to gfdx.coordination.<province>. */
#include "daemon.h"
#include "feedback.h"

int main(int argc, char **argv)
{
    int rc = gfdx_daemon_main(argc, argv, &feedback_service);
    feedback_ctx_release(feedback_service.ctx);
    return rc;
}
