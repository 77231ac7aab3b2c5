#include <weft/core/cancellation.hpp>
#include <weft/core/context.hpp>

namespace weft {

constinit thread_local CancelState* detail::t_current_cancel_state = nullptr;

CancelState::CancelState(CancelState* parent) noexcept {
  if (parent != nullptr) {
    link(parent);
    requested_ = parent->requested_;
    context = parent->context;
    id = parent->id;
  }
}

CancelState::~CancelState() {
  // Children normally end before their parent; orphan any that did not.
  for (CancelState* child = first_child_; child != nullptr;) {
    CancelState* next = child->next_sibling_;
    child->parent_ = child->prev_sibling_ = child->next_sibling_ = nullptr;
    child = next;
  }
  unlink();
}

void CancelState::link(CancelState* parent) noexcept {
  parent_ = parent;
  next_sibling_ = parent->first_child_;
  if (next_sibling_ != nullptr) next_sibling_->prev_sibling_ = this;
  parent->first_child_ = this;
}

void CancelState::unlink() noexcept {
  if (parent_ == nullptr) return;
  if (prev_sibling_ != nullptr) {
    prev_sibling_->next_sibling_ = next_sibling_;
  } else {
    parent_->first_child_ = next_sibling_;
  }
  if (next_sibling_ != nullptr) next_sibling_->prev_sibling_ = prev_sibling_;
  parent_ = prev_sibling_ = next_sibling_ = nullptr;
}

void CancelState::request() noexcept {
  if (requested_) return;
  requested_ = true;
  if (hook_ != nullptr) {
    Hook hook = hook_;
    hook_ = nullptr;
    hook(hook_arg_);
  }
  for (CancelState* child = first_child_; child != nullptr;) {
    CancelState* next = child->next_sibling_;  // a hook may not unlink, but be safe
    child->request();
    child = next;
  }
}

bool cancelled() noexcept {
  const CancelState* state = detail::t_current_cancel_state;
  return state != nullptr && state->requested();
}

}  // namespace weft
