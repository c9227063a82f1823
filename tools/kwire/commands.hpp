// The kwire tool's subcommands: one entry point per subcommand, each given the
// whole argv (argv[1] is the subcommand's name). main.cpp dispatches on argv[1].
// Exit codes: 0 success, 1 failure at run time, 2 bad usage.
#pragma once

int run_cluster(int argc, char** argv);
int run_perf(int argc, char** argv);
int run_perf_consume(int argc, char** argv);  // kwire perf consume
int run_wire(int argc, char** argv);
int run_metadata(int argc, char** argv);
int run_api_versions(int argc, char** argv);
int run_consume(int argc, char** argv);
int run_produce(int argc, char** argv);
int run_demo(int argc, char** argv);
