// rank_groups.h — static rank groups: `[run] ranks_per_job = k` splits the world into
// size/k groups of k consecutive ranks (MPI_Comm_split at start). Group g's rank 0 (world
// rank g·k) is its leader: it asks the scheduler for work and shares each job with its group.
#pragma once
#include <mpi.h>

#include <vector>

namespace tunegrid {

struct RankGroups {
  int group = 0;            // this rank's group
  int group_rank = 0;       // rank inside the group
  int group_size = 1;
  int groups = 1;
  MPI_Comm comm = MPI_COMM_NULL;  // this rank's group
  std::vector<int> leaders;       // world rank of every group's leader

  bool leader() const { return group_rank == 0; }
};

// Throws InputError when the world size is not a multiple of ranks_per_job.
RankGroups make_rank_groups(int world_rank, int world_size, int ranks_per_job);
void free_rank_groups(RankGroups& groups);

}  // namespace tunegrid
