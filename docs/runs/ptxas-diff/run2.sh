#!/bin/bash
# issue 12, second run: label the held-out mutants (seed 2), the probes and the table's boundary probes with ptxas 13
D=devjobs/issue12
export PATH=/usr/local/cuda/bin:$PATH
J=/tmp/ptxas-diff-job; mkdir -p $J; tar -xzf $D/job.tar.gz -C $J
{ nvidia-smi -L; which ptxas; ptxas --version; nproc; python3 --version; } > $OUT/env.txt 2>&1
PTXAS_DIFF_BUDGET_S=300 timeout 380 python3 $D/device_run.py $J $OUT > $OUT/run.log 2>&1
echo "rc=$?" >> $OUT/run.log
