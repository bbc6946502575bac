// rank_groups.cpp — see rank_groups.h.
#include "orchestrator/rank_groups.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "orchestrator/mpi_session.h"

namespace tunegrid {

RankGroups make_rank_groups(int world_rank, int world_size, int ranks_per_job) {
  if (ranks_per_job < 1 || world_size % ranks_per_job != 0)
    throw InputError(fmt::format("run.ranks_per_job = {} does not divide the {} ranks of this run; launch a multiple "
                                 "of {} ranks or change run.ranks_per_job",
                                 ranks_per_job, world_size, ranks_per_job));
  RankGroups groups;
  groups.group = world_rank / ranks_per_job;
  groups.group_rank = world_rank % ranks_per_job;
  groups.group_size = ranks_per_job;
  groups.groups = world_size / ranks_per_job;
  for (int g = 0; g < groups.groups; ++g) groups.leaders.push_back(g * ranks_per_job);
  groups.group_comm = OwnedComm::split(MPI_COMM_WORLD, groups.group, groups.group_rank);
  return groups;
}

}  // namespace tunegrid
