// rank_groups.h — static rank groups: `[run] ranks_per_job = k` splits the world into
// size/k groups of k consecutive ranks (MPI_Comm_split at start). Group g's rank 0 (world
// rank g·k) is its leader: it asks the scheduler for work and shares each job with its group.
#pragma once
#include <mpi.h>

#include <vector>

#include "orchestrator/mpi_session.h"

namespace tunegrid {

struct RankGroups {
  int group = 0;            // this rank's group
  int group_rank = 0;       // rank inside the group
  int group_size = 1;
  int groups = 1;
  OwnedComm group_comm;           // this rank's group, freed with this object
  std::vector<int> leaders;       // world rank of every group's leader

  MPI_Comm comm() const { return group_comm.get(); }

  bool leader() const { return group_rank == 0; }
};

// Throws InputError when the world size is not a multiple of ranks_per_job.
RankGroups make_rank_groups(int world_rank, int world_size, int ranks_per_job);

}  // namespace tunegrid
