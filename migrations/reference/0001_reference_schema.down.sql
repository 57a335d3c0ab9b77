-- Reference app schema (down): drops everything 0001_reference_schema.up.sql created, dependents
-- first. Written from the documented facts of Ghostwriter 7.0.0's schema (Ghostwriter is
-- BSD-3-Clause licensed; only facts about its schema were taken). Dropping a table also drops its
-- indexes, constraints and check_timezone_trigger.

-- django_q
DROP TABLE django_q_task;

-- shepherd
DROP TABLE shepherd_domainserverconnection;
DROP TABLE shepherd_transientserver;
DROP TABLE shepherd_serverhistory;
DROP TABLE shepherd_staticserver;
DROP TABLE shepherd_history;
DROP TABLE shepherd_domain;
DROP TABLE shepherd_serverrole;
DROP TABLE shepherd_serverprovider;
DROP TABLE shepherd_serverstatus;
DROP TABLE shepherd_activitytype;
DROP TABLE shepherd_healthstatus;
DROP TABLE shepherd_whoisstatus;
DROP TABLE shepherd_domainstatus;

-- oplog
DROP TABLE oplog_oplogentryevidence;
DROP TABLE oplog_oplogentryrecording;
DROP TABLE oplog_oplogentry;
DROP TABLE oplog_oplog;

-- reporting
DROP TABLE reporting_findingnote;
DROP TABLE reporting_observation;
DROP TABLE reporting_finding;
DROP TABLE reporting_archive;
DROP TABLE reporting_evidence;
DROP TABLE reporting_localfindingnote;
DROP TABLE reporting_reportobservationlink;
DROP TABLE reporting_reportfindinglink;
DROP TABLE reporting_report;
DROP TABLE reporting_reporttemplate;
DROP TABLE reporting_findingtype;
DROP TABLE reporting_severity;
DROP TABLE reporting_doctype;

-- rolodex
DROP TABLE rolodex_projectscope;
DROP TABLE rolodex_projecttarget;
DROP TABLE rolodex_projectsubtask;
DROP TABLE rolodex_projectobjective;
DROP TABLE rolodex_projectnote;
DROP TABLE rolodex_projectinvite;
DROP TABLE rolodex_projectassignment;
DROP TABLE rolodex_project;
DROP TABLE rolodex_objectivepriority;
DROP TABLE rolodex_objectivestatus;
DROP TABLE rolodex_projectrole;
DROP TABLE rolodex_projecttype;
DROP TABLE rolodex_clientinvite;
DROP TABLE rolodex_clientnote;
DROP TABLE rolodex_clientcontact;
DROP TABLE rolodex_client;

-- home
DROP TABLE home_userprofile;

-- users
DROP TABLE users_user;

-- timezone check
DROP FUNCTION is_timezone();
