#include <weft/core/cancellation.hpp>

#include <gtest/gtest.h>

namespace {

using weft::CancelState;

TEST(CancelState, RequestCallsTheRegisteredHookOnce) {
  CancelState state;
  int calls = 0;
  state.set_hook([](void* arg) noexcept { ++*static_cast<int*>(arg); }, &calls);
  state.request();
  state.request();
  EXPECT_TRUE(state.requested());
  EXPECT_EQ(calls, 1);
}

TEST(CancelState, CancellingAParentCancelsEveryDescendant) {
  CancelState root;
  CancelState child(&root);
  CancelState grandchild(&child);
  CancelState sibling(&root);
  root.request();
  EXPECT_TRUE(child.requested());
  EXPECT_TRUE(grandchild.requested());
  EXPECT_TRUE(sibling.requested());
}

TEST(CancelState, CancellingAChildLeavesTheParentRunning) {
  CancelState root;
  CancelState child(&root);
  child.request();
  EXPECT_FALSE(root.requested());
}

TEST(CancelState, AChildOfACancelledParentStartsCancelled) {
  CancelState root;
  root.request();
  CancelState child(&root);
  EXPECT_TRUE(child.requested());
}

TEST(CancelState, ADestroyedChildIsNoLongerReached) {
  CancelState root;
  {
    CancelState child(&root);
  }
  CancelState other(&root);
  root.request();  // must not touch the destroyed child
  EXPECT_TRUE(other.requested());
}

}  // namespace
