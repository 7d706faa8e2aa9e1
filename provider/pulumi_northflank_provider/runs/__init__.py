"""Job runs as the ``JobRun`` resource sees them, one concern a module.

* ``model``: a run as Northflank reports it, and how its status reads;
* ``api``: the calls about one job's runs, with the secrets of one create or read;
* ``listing``: the job's newest runs, found in a bounded number of requests whatever the order;
* ``starting``: start exactly one run, or fail saying a run may have started;
* ``following``: poll a run until it concludes, the deadline passes or the plugin is stopped;
* ``stopping``: waits that end as soon as the plugin is told to stop;
* ``logs``: a failed run's last log lines, cleaned and scrubbed;
* ``one_at_a_time``: one run of a job at a time within the plugin process.
"""
