/* intake.h: gfdx-intake's record handlers (DESIGN §6.1) and its service table. */
#ifndef INTAKE_H
#define INTAKE_H

#include "service.h"

#define INTAKE_PUSH_TOPIC "gfdx.miit-pushes"

/* The service descriptor gfdx_daemon_main runs. */
extern const gfdx_service intake_service;

#endif
