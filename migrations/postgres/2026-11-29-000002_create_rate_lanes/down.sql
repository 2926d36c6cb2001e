DROP TABLE rate_lanes;
